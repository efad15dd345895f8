// The import rules of src/ (npm run check): no circle, and every arrow points inward, from the ways
// in (cli, http, the library's entry points) to the flows, to the engine, mail and storage.
// swc parses the TypeScript: TypeScript 7 has no JavaScript API for dependency-cruiser to use.
const FLOWS = '^src/(accounts|invitations|newsletter)/';
const OUTER = '^src/(http|cli|jobs|library)/';
// The package's entry points (package.json exports) sit on top of everything.
const ENTRY = '^src/(index|fastify|node)\\.ts$';
// What the client may load, and what those modules may load in turn.
const CLIENT_GRAPH = '^src/(client|http/schemas)/|^src/(purposes|event-names)\\.ts$';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'lower-layers-stay-below-the-flows',
      comment: 'storage, config, the token engine and mail know nothing of the flows or the ways in',
      severity: 'error',
      from: { path: '^src/(db|config|tokens|mail|links|i18n|templates)/|^src/[^/]+\\.ts$', pathNot: ENTRY },
      to: { path: [FLOWS, OUTER] },
    },
    {
      name: 'flows-do-not-reach-the-ways-in',
      severity: 'error',
      from: { path: FLOWS },
      to: { path: OUTER },
    },
    {
      name: 'only-entry-points-reach-the-library',
      comment: 'the service (http, cli) never wraps library mode, nor the other way round',
      severity: 'error',
      from: { pathNot: `${ENTRY}|^src/library/` },
      to: { path: '^src/library/' },
    },
    {
      name: 'http-does-not-reach-the-cli',
      severity: 'error',
      from: { path: '^src/http/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'the-client-loads-only-schemas',
      comment:
        'oto-tokens/client runs in other backends and edge runtimes: it loads the /v1 route schemas and ' +
        'pure modules (and json-schema-to-ts types), never the server, storage, mail or node: modules',
      severity: 'error',
      from: { path: CLIENT_GRAPH },
      to: { pathNot: [CLIENT_GRAPH, '(^|/)node_modules/json-schema-to-ts/'] },
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    // Packages are leaves of the graph, not left out of it: the client rule must see them.
    doNotFollow: { path: 'node_modules' },
  },
};

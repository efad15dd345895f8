import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

// The README is a few screens and the guides live in docs/: these keep the links between them
// working as files move, and keep docs/code-layout.md true to what src/ holds.

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README_MAX_LINES = 300;

/** The README and every guide in docs/, as paths relative to `root`. */
function markdownFiles(root: string): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md'));
  return ['README.md', ...docs.sort().map((name) => `docs/${name}`)];
}

/** The text outside fenced code blocks and inline code, where a `[x](y)` or `# x` is not markdown. */
function prose(text: string): string[] {
  const lines: string[] = [];
  let fence: string | null = null;
  for (const line of text.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker !== undefined && (fence === null || marker.startsWith(fence))) {
      fence = fence === null ? marker : null;
      continue;
    }
    if (fence === null) lines.push(line.replace(/(`+)(?:(?!\1).)+?\1/g, ''));
  }
  return lines;
}

/** GitHub's anchor for a heading: lowercase, punctuation but - and _ dropped, each space a '-'. */
function slug(heading: string): string {
  const text = heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[*]/g, '');
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a markdown file's headings; a repeated heading gets -1, -2, … as on GitHub. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const found = new Set<string>();
  let fence = false;
  for (const line of text.split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) fence = !fence;
    const heading = fence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined || heading === null) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  return found;
}

/** Every link target in a file's prose: inline links and images, and reference definitions. */
function linkTargets(text: string): string[] {
  const targets: string[] = [];
  for (const line of prose(text)) {
    for (const match of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(match[1]!);
    const reference = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (reference) targets.push(reference[1]!);
  }
  return targets;
}

/** What is wrong with the relative links of these files, one line per broken link. */
function brokenLinks(root: string, files: string[]): { checked: number; problems: string[] } {
  const problems: string[] = [];
  let checked = 0;
  for (const file of files) {
    for (const target of linkTargets(readFileSync(join(root, file), 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) continue; // another site
      checked++;
      const hash = target.indexOf('#');
      const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
      const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
      const resolved = path === '' ? join(root, file) : join(root, dirname(file), path);
      const name = `${file}: (${target})`;
      if (!existsSync(resolved)) problems.push(`${name}: no such file ${relative(root, resolved)}`);
      else if (
        anchor !== null &&
        resolved.endsWith('.md') &&
        !anchors(readFileSync(resolved, 'utf8')).has(anchor)
      )
        problems.push(`${name}: no heading with anchor #${anchor} in ${relative(root, resolved)}`);
    }
  }
  return { checked, problems };
}

/** Every folder under src/, as 'src/a/', 'src/a/b/'. */
function srcFolders(dir = join(ROOT, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      return [`${relative(ROOT, path).split('\\').join('/')}/`, ...srcFolders(path)];
    });
}

test('GitHub anchors: punctuation dropped, code kept as text, repeats numbered', () => {
  assert.equal(
    slug('Running in production: PostgreSQL and several instances'),
    'running-in-production-postgresql-and-several-instances',
  );
  assert.equal(slug('Why not UUIDs, JWTs or plain HMAC?'), 'why-not-uuids-jwts-or-plain-hmac');
  assert.equal(slug('The `oto` command'), 'the-oto-command');
  assert.equal(slug('Unsubscribe (RFC 8058) and subscriptions'), 'unsubscribe-rfc-8058-and-subscriptions');
  assert.equal(
    slug('Web-standard handlers (Hono, Bun, Deno, Next.js)'),
    'web-standard-handlers-hono-bun-deno-nextjs',
  );
  assert.deepEqual([...anchors('# A\n## A\n```sh\n# not a heading\n```\n### A\n')], ['a', 'a-1', 'a-2']);
});

test('a link to a missing file, or to a heading the target lacks, is reported', () => {
  const root = mkdtempSync(join(tmpdir(), 'oto-docs-'));
  try {
    writeFileSync(
      join(root, 'README.md'),
      '# Top\n[ok](docs/a.md#the-part) [self](#top) [gone](docs/gone.md) [wrong](docs/a.md#nope)\n' +
        '`[in code](docs/gone.md)`\n```\n[in a block](docs/gone.md)\n```\n[site](https://example.com/x)\n',
    );
    const docs = join(root, 'docs');
    mkdirSync(docs);
    writeFileSync(join(docs, 'a.md'), '# A\n## The part\n[back](../README.md#top)\n');
    const { checked, problems } = brokenLinks(root, markdownFiles(root));
    assert.equal(checked, 5);
    assert.deepEqual(problems, [
      'README.md: (docs/gone.md): no such file docs/gone.md',
      'README.md: (docs/a.md#nope): no heading with anchor #nope in docs/a.md',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('every relative link in README.md and docs/*.md resolves, anchors included', () => {
  const { checked, problems } = brokenLinks(ROOT, markdownFiles(ROOT));
  assert.ok(checked >= 20, `only ${checked} relative links found: is the link pattern still right?`);
  assert.deepEqual(problems, []);
});

test('every src/ and test/ path the README and docs/ name in code exists', () => {
  const missing = markdownFiles(ROOT).flatMap((file) =>
    [...readFileSync(join(ROOT, file), 'utf8').matchAll(/`((?:src|test)\/[^`\s*]+)`/g)]
      .map((match) => match[1]!)
      .filter((path) => !existsSync(join(ROOT, path)))
      .map((path) => `${file}: ${path}`),
  );
  assert.deepEqual(missing, []);
});

test(`the README is at most ${README_MAX_LINES} lines`, () => {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
  assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines; move detail into docs/`);
});

test('docs/code-layout.md names every folder of src/ and every file at its top', () => {
  const layout = readFileSync(join(ROOT, 'docs/code-layout.md'), 'utf8');
  const folders = srcFolders();
  assert.ok(folders.includes('src/db/sqlite/'));
  assert.deepEqual(
    folders.filter((folder) => !layout.includes(`\`${folder}\``)),
    [],
    'folders of src/ that docs/code-layout.md does not name',
  );
  const files = readdirSync(join(ROOT, 'src')).filter((name) => name.endsWith('.ts'));
  assert.deepEqual(
    files.filter((name) => !layout.includes(`\`${name}\``)),
    [],
    'files at the top of src/ that docs/code-layout.md does not name',
  );
});

/**
 * Arguments for a child `node` that runs oto's TypeScript. Node 22.18+ strips types by default;
 * 22.13–22.17 (which oto supports: node:sqlite is unflagged from 22.13) need the flag. Later
 * versions accept it silently, so every spawn passes it.
 */
export const NODE_TS = ['--experimental-strip-types', '--disable-warning=ExperimentalWarning'];

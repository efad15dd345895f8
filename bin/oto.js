#!/usr/bin/env -S node --max-semi-space-size=4
// The oto command. From a clone it runs the TypeScript in src/ (Node strips the types); from the
// installed package, which ships no src/, the compiled dist/. Node does not strip types inside
// node_modules, which is why the package carries JavaScript.
// A young generation of 4 MB per semi-space instead of V8's default keeps the compiled server's
// peak RSS under load near 155 MB, against 172-187 at 8 MB and 225 at the default. Measured against
// 8 MB in the same rounds of one run (bench/), it cost no throughput on either database (SQLite 6,707/s at 152 µs of CPU a
// request against 6,531 and 6,031 at 159 and 170; PostgreSQL 2,712/s against 2,217 and 2,686).
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
await import(existsSync(source) ? source.href : new URL('../dist/cli/main.js', import.meta.url).href);

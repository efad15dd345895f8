import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The processes the benchmark measures, compiled once per run into bench/build/ (tsconfig.bench.json)
 * and started from there: a server on Node's type stripping keeps about 17 MB more RSS than the
 * same code as JavaScript (the stripper's WebAssembly memory), which the installed package, run
 * from its compiled dist/, never carries. The CPU figures do not change with it: types are
 * stripped once, when a module loads.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const BUILD = join(ROOT, 'bench', 'build');
let built = false;

/** The compiled path of a script in bench/ (e.g. 'server.ts'), compiling everything on first use. */
export function compiled(script: string): string {
  if (!built) {
    rmSync(BUILD, { recursive: true, force: true });
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(ROOT, 'tsconfig.bench.json')], {
      stdio: 'inherit',
    });
    // src/ reads its version from the package.json two folders up, as it does in dist/.
    const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    writeFileSync(join(BUILD, 'package.json'), JSON.stringify({ name, version, type: 'module' }));
    built = true;
  }
  return join(BUILD, 'bench', script.replace(/\.ts$/, '.js'));
}

// Our version, from the package.json of the installed package: the nearest one above this
// module named xep65 (dist/src/cli/ in a checkout or an npm install; one level up in a bundle).
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  for (let up = 1; up <= 4; up++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${'../'.repeat(up)}package.json`, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'xep65' && pkg.version) return pkg.version;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return 'unknown';
}

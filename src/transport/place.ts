// Creating the subdirectories an offered relative name asks for, below the receive directory
// only: each component was cleaned (safeRelativePath), and the directory reached is checked to
// still be inside the receive directory after symlinks, so a planted link cannot lead out.
import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { Xep65Error } from '../errors.js';

export async function placeUnder(base: string, parts: string[]): Promise<{ dir: string; name: string }> {
  const name = parts.at(-1)!;
  if (parts.length === 1) return { dir: base, name };
  const dir = path.join(base, ...parts.slice(0, -1));
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const [realBase, realDir] = await Promise.all([realpath(base), realpath(dir)]);
    if (realDir !== realBase && !realDir.startsWith(realBase + path.sep)) {
      throw new Xep65Error('io', `refusing to write to ${dir}: it leads outside ${base}`);
    }
  } catch (err) {
    if (err instanceof Xep65Error) throw err;
    throw new Xep65Error('io', `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
  }
  return { dir, name };
}

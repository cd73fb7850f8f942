// Creating the subdirectories an offered relative name asks for, below the receive directory
// only: each component was cleaned (safeRelativePath), and they are made one at a time, each
// checked with lstat to be a real directory, never a symlink, before the next is made inside
// it. (Issue 10 #4: `mkdir -p` first and `realpath` after created directories wherever a planted
// link pointed before the check refused the transfer.) The receive directory itself may be a link:
// the user chose it.
import { lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Xep65Error } from '../errors.js';

export async function placeUnder(base: string, parts: string[]): Promise<{ dir: string; name: string }> {
  const name = parts.at(-1)!;
  let dir = base;
  for (const component of parts.slice(0, -1)) {
    dir = path.join(dir, component);
    await makeRealDirectory(dir, base);
  }
  return { dir, name };
}

async function makeRealDirectory(dir: string, base: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new Xep65Error('io', `cannot create ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }
  const info = await lstat(dir).catch((err: Error) => {
    throw new Xep65Error('io', `cannot create ${dir}: ${err.message}`, { cause: err });
  });
  if (info.isSymbolicLink()) throw new Xep65Error('io', `refusing to write to ${dir}: it is a symbolic link, which could lead outside ${base}`);
  if (!info.isDirectory()) throw new Xep65Error('io', `cannot create ${dir}: a file of that name exists`);
}

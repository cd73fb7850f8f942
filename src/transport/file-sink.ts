// Where a received file is written: `name.part` in the receive directory, created exclusively;
// it becomes `name` only after the size (and hash, when offered) checked out. Without
// overwrite, the final name is claimed with link(2), which never replaces an existing file,
// trying `name (1).ext`, `name (2).ext`, … as needed.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Xep65Error } from '../errors.js';
import { numberedName } from './safe-name.js';

const MAX_ALTERNATIVES = 1000;

export interface PartFile {
  readonly partPath: string;
  readonly handle: fs.FileHandle;
}

/** Creates `<dir>/<name>.part` (or a numbered variant when another transfer holds it). */
export async function createPartFile(dir: string, name: string): Promise<PartFile> {
  for (let n = 0; n < MAX_ALTERNATIVES; n++) {
    const partPath = path.join(dir, `${numberedName(name, n)}.part`);
    try {
      return { partPath, handle: await fs.open(partPath, 'wx', 0o644) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new Xep65Error('io', `cannot create ${partPath}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  throw new Xep65Error('io', `too many files named like ${name} in ${dir}`);
}

/** The identity of a part file as we opened it, to make sure we rename our own file. */
export interface PartIdentity {
  readonly dev: number;
  readonly ino: number;
}

/**
 * Gives the complete part file its final name; returns that path. Refuses when the part path no
 * longer holds the file we wrote (issue 10 #3: another transfer's rename replaced it), and
 * --overwrite never replaces a `*.part` name, which may be another transfer's part file: such a
 * name is claimed without clobbering, as without --overwrite.
 */
export async function commitPartFile(partPath: string, dir: string, name: string, overwrite: boolean, ours: PartIdentity): Promise<string> {
  await checkIdentity(partPath, ours);
  if (overwrite && !name.endsWith('.part')) {
    const finalPath = path.join(dir, name);
    await fs.rename(partPath, finalPath).catch((err: unknown) => {
      throw new Xep65Error('io', `cannot rename ${partPath}: ${(err as Error).message}`, { cause: err });
    });
    return finalPath;
  }
  for (let n = 0; n < MAX_ALTERNATIVES; n++) {
    const finalPath = path.join(dir, numberedName(name, n));
    try {
      await fs.link(partPath, finalPath);
      await fs.unlink(partPath);
      return finalPath;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV') return renameIfFree(partPath, finalPath);
      throw new Xep65Error('io', `cannot save ${finalPath}: ${(err as Error).message}`, { cause: err });
    }
  }
  throw new Xep65Error('io', `too many files named like ${name} in ${dir}`);
}

async function checkIdentity(partPath: string, ours: PartIdentity): Promise<void> {
  const now = await fs.lstat(partPath).catch((err: Error) => {
    throw new Xep65Error('io', `cannot save: ${partPath} is gone (${err.message})`, { cause: err });
  });
  if (now.dev !== ours.dev || now.ino !== ours.ino) {
    throw new Xep65Error('io', `cannot save: ${partPath} was replaced by another file while receiving; nothing saved`);
  }
}

/** For file systems without hard links: check, then rename (a small race we accept there). */
async function renameIfFree(partPath: string, wanted: string): Promise<string> {
  const dir = path.dirname(wanted);
  const name = path.basename(wanted);
  for (let n = 0; n < MAX_ALTERNATIVES; n++) {
    const candidate = path.join(dir, numberedName(name, n));
    const exists = await fs.access(candidate).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await fs.rename(partPath, candidate);
      return candidate;
    }
  }
  throw new Xep65Error('io', `too many files named like ${name} in ${dir}`);
}

/** Removes a part file after a failure; a missing file is fine, anything else is reported. */
export async function removePartFile(partPath: string): Promise<void> {
  await fs.unlink(partPath).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw new Xep65Error('io', `cannot remove ${partPath}: ${err.message}`, { cause: err });
  });
}

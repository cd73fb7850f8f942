// Where a received file is written: a hidden part file `.NAME.xep65-PID-RANDOM.part` in the
// receive directory, created exclusively. Offered names never start with a dot (safeFileName),
// so no offer can name, replace or commit another transfer's part file (issue 10 #3). It becomes
// `NAME` only after the size (and hash, when offered) checked out. Without overwrite, the final
// name is claimed with link(2), which never replaces an existing file, trying `name (1).ext`,
// `name (2).ext`, … as needed. The PID in the name lets a later receiver remove the part files
// of one that was killed (SIGKILL leaves no chance to clean up).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Xep65Error } from '../errors.js';
import { numberedName } from './safe-name.js';

const MAX_ALTERNATIVES = 1000;
const PART_FILE = /^\..+\.xep65-(\d+)-[0-9a-f]{8}\.part$/;

export interface PartFile {
  readonly partPath: string;
  readonly handle: fs.FileHandle;
}

/** Creates a fresh hidden part file for `name` in `dir`. */
export async function createPartFile(dir: string, name: string): Promise<PartFile> {
  for (let attempt = 0; ; attempt++) {
    const partPath = path.join(dir, `.${name}.xep65-${process.pid}-${randomBytes(4).toString('hex')}.part`);
    try {
      return { partPath, handle: await fs.open(partPath, 'wx', 0o644) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 8) {
        throw new Xep65Error('io', `cannot create a part file in ${dir}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
}

/**
 * Removes the part files in `dir` whose receiver is gone (its PID no longer runs); returns their
 * paths. Another running receiver's part files, and anything not named like ours, stay.
 */
export async function removeStaleParts(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = PART_FILE.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isRunning(Number(pid))) continue;
    const partPath = path.join(dir, name);
    const info = await fs.lstat(partPath).catch(() => undefined);
    if (!info?.isFile()) continue;
    await removePartFile(partPath);
    removed.push(partPath);
  }
  return removed;
}

/** Whether a process of that PID runs (someone else's counts: EPERM). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // someone else's process: alive
  }
}

/** --keep-partial: the part file of a failed transfer stays as `name.part` (never replacing a file). */
export async function keepPartFile(partPath: string, dir: string, name: string): Promise<string> {
  return claimName(partPath, dir, `${name}.part`);
}

/** The identity of a part file as we opened it, to make sure we rename our own file. */
export interface PartIdentity {
  readonly dev: number;
  readonly ino: number;
}

/**
 * Gives the complete part file its final name; returns that path. Refuses when the part path no
 * longer holds the file we wrote (it was replaced under us).
 */
export async function commitPartFile(partPath: string, dir: string, name: string, overwrite: boolean, ours: PartIdentity): Promise<string> {
  await checkIdentity(partPath, ours);
  if (!overwrite) return claimName(partPath, dir, name);
  const finalPath = path.join(dir, name);
  await fs.rename(partPath, finalPath).catch((err: unknown) => {
    throw new Xep65Error('io', `cannot rename ${partPath}: ${(err as Error).message}`, { cause: err });
  });
  return finalPath;
}

/** Links `partPath` to `name`, or `name (1)`, … whichever is free, then removes `partPath`. */
async function claimName(partPath: string, dir: string, name: string): Promise<string> {
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

// `receive --resume` (issue 14): the bytes of a transfer that did not finish stay on disk with a
// note of what they are, so the same file offered again continues where it stopped (XEP-0096
// §3.3 and XEP-0234 §6.4 ranges). In the file's directory, for the offered NAME:
//   .NAME.xep65-resume.part   the bytes received so far
//   .NAME.xep65-resume.json   { from (sender's bare JID), name, size, date?, hash?, bytes, pid }
//   .NAME.xep65-resume.lock   the PID of the receiver whose transfer works on them now
// `bytes` is written only after the part file's data is on disk (fdatasync), so a crash at any
// point never claims more than the file holds; and resuming takes the smaller of `bytes` and the
// file's size. Names start with a dot: an offered name never does (safeFileName), so no offer can
// name these files, and removeStaleParts (which wants -PID-RANDOM) leaves them alone.
import { fdatasyncSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Xep65Error } from '../errors.js';
import { isRunning } from './file-sink.js';

/** What identifies a file across offers. */
export interface ResumeKey {
  /** The sender's bare JID. */
  from: string;
  name: string;
  size: number;
  /** The offer's date (XEP-0082), when it had one. */
  date?: string;
  /** A hash the offer carried, `algo:value`. */
  hash?: string;
}

interface ResumeNote extends ResumeKey {
  bytes: number;
  pid: number;
}

export type ResumeLookup =
  | { kind: 'none' }
  /** A part of this very file: continue at `offset`. */
  | { kind: 'resume'; offset: number }
  /** A part of another file under this name (why): it was removed, start afresh. */
  | { kind: 'mismatch'; why: string }
  /** Another running receiver holds it: leave it alone, receive without resuming. */
  | { kind: 'busy' };

// Short suffixes: a name may take 226 of the 255 bytes (safe-name.ts PART_SUFFIX_ROOM).
const paths = (dir: string, name: string) => ({
  part: path.join(dir, `.${name}.xep65-resume.part`),
  note: path.join(dir, `.${name}.xep65-resume.json`),
  tmp: path.join(dir, `.${name}.xep65-resume.tmp`),
  lock: path.join(dir, `.${name}.xep65-resume.lock`),
});

export function resumePartPath(dir: string, name: string): string {
  return paths(dir, name).part;
}

/** Kept parts a transfer of this process works on: a second offer of the same file must not touch them. */
const claimed = new Set<string>();

/** Gives a kept part back once its transfer ended (saved or failed). */
export function releaseResume(dir: string, name: string): void {
  const p = paths(dir, name);
  if (!claimed.delete(p.part)) return;
  try {
    unlinkSync(p.lock);
  } catch (err) {
    // Gone already is fine; a lock we cannot remove names our PID, which a later receiver sees
    // is not running once we exit.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Xep65Error('io', `cannot remove ${p.lock}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The lock between receiver processes, taken with O_EXCL: ours, or false when a running one
 * holds it. A lock whose PID no longer runs is taken over.
 */
function lockAcross(p: ReturnType<typeof paths>): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(p.lock, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new Xep65Error('io', `cannot create ${p.lock}: ${(err as Error).message}`, { cause: err });
    }
    const holder = Number(readFileSync(p.lock, 'utf8').trim());
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) return false;
    unlinkSync(p.lock);
  }
  return false;
}

/**
 * Looks for a kept part of `key` in `dir` (the name already made safe) and, unless another
 * transfer holds it, claims it for this one (releaseResume when it ends).
 */
export async function lookupResume(dir: string, key: ResumeKey): Promise<ResumeLookup> {
  const p = paths(dir, key.name);
  if (claimed.has(p.part)) return { kind: 'busy' };
  if (!lockAcross(p)) return { kind: 'busy' };
  claimed.add(p.part);
  try {
    return await lookupClaimed(dir, key);
  } catch (err) {
    releaseResume(dir, key.name);
    throw err;
  }
}

async function lookupClaimed(dir: string, key: ResumeKey): Promise<ResumeLookup> {
  const p = paths(dir, key.name);
  const text = await fs.readFile(p.note, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new Xep65Error('io', `cannot read ${p.note}: ${err.message}`, { cause: err });
  });
  if (text === undefined) return { kind: 'none' };
  const note = parseNote(text);
  const part = await fs.lstat(p.part).catch(() => undefined);
  const why = !note ? 'its note is unreadable' : !part?.isFile() ? 'its part file is gone' : differs(note, key);
  if (why) {
    await dropResume(dir, key.name);
    return { kind: 'mismatch', why };
  }
  const offset = Math.min(note!.bytes, part!.size);
  // Nothing kept, or every byte kept but not committed: receive it whole (a range of nothing
  // to send is not worth the peers' edge cases).
  if (offset <= 0 || offset >= key.size) {
    await dropResume(dir, key.name);
    return { kind: 'none' };
  }
  return { kind: 'resume', offset };
}

function differs(note: ResumeNote, key: ResumeKey): string | undefined {
  if (note.from.toLowerCase() !== key.from.toLowerCase()) return `it came from ${note.from}`;
  if (note.size !== key.size) return `its size was ${note.size}, now ${key.size}`;
  if (note.hash && key.hash && note.hash !== key.hash) return 'its hash differs';
  if (!(note.hash && key.hash) && note.date !== key.date) return `its date was ${note.date ?? 'none'}, now ${key.date ?? 'none'}`;
  return undefined;
}

function parseNote(text: string): ResumeNote | undefined {
  try {
    const n = JSON.parse(text) as Partial<ResumeNote>;
    const ok = typeof n.from === 'string' && typeof n.name === 'string' && Number.isSafeInteger(n.size) && Number.isSafeInteger(n.bytes) && Number.isSafeInteger(n.pid);
    return ok ? (n as ResumeNote) : undefined;
  } catch {
    return undefined; // written by rename, so only a foreign file is torn: treated as no note
  }
}

/**
 * Records that the first `bytes` of the part are on disk: fdatasync first, then the note
 * (written beside and renamed over, so it is whole or old, never torn). Synchronous: called
 * between two writes of the data path, every few MiB.
 */
export function checkpointResume(dir: string, key: ResumeKey, fd: number, bytes: number): void {
  const p = paths(dir, key.name);
  fdatasyncSync(fd);
  const note: ResumeNote = { ...key, bytes, pid: process.pid };
  writeFileSync(p.tmp, `${JSON.stringify(note)}\n`, { mode: 0o644 });
  renameSync(p.tmp, p.note);
}

/** Forgets a kept part: its note first (so a crash between the two leaves no claim). */
export async function dropResume(dir: string, name: string): Promise<void> {
  const p = paths(dir, name);
  for (const file of [p.note, p.part]) {
    await fs.unlink(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw new Xep65Error('io', `cannot remove ${file}: ${err.message}`, { cause: err });
    });
  }
}

/** The note alone (the part was committed under its final name). */
export async function dropResumeNote(dir: string, name: string): Promise<void> {
  await fs.unlink(paths(dir, name).note).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw new Xep65Error('io', `cannot remove the resume note of ${name}: ${err.message}`, { cause: err });
  });
}

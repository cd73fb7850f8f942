// Receiving the file from a connected bytestream (XEP-0065 §5.3.3 "exchange data"; XEP-0096
// §3.2 size and hash): at most `size` bytes go to the part file, each chunk written before the
// next is read (the socket's own flow control is the backpressure); the transfer is complete
// when exactly `size` bytes arrived and the MD5, if offered, matches.
import { createHash, type Hash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { hashFileRange } from './file-hash.js';
import fsp from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Xep65Error } from '../errors.js';
import { commitPartFile, createPartFile, keepPartFile, removePartFile, type PartFile } from './file-sink.js';
import { checkpointResume, dropResumeNote, resumePartPath, type ResumeKey } from './resume-store.js';
import type { ChunkConsumer } from './socket-reader.js';
import type { Bytestream } from '../session/ports.js';
import { describeSocketError } from './socket-errors.js';

export interface ReceiveFileOptions {
  dir: string;
  /** Already made safe (safeFileName). */
  name: string;
  size: number;
  md5?: string;
  /**
   * A digest computed while the bytes are written, checked before the commit (Jingle: the
   * XEP-0300 hash from the offer or the later checksum); `check` throws to refuse the file.
   */
  digest?: { algorithm: string; check(digest: Buffer): Promise<void> };
  overwrite: boolean;
  /** Leave the .part file of a failed or interrupted transfer (--keep-partial). */
  keepPartial?: boolean;
  /** Fail when no byte arrives for this long. */
  idleTimeoutMs: number;
  /** After the last offered byte, wait this long for the sender's end before committing anyway. */
  endGraceMs: number;
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
  /**
   * --resume: receive into the kept part of this file (resume-store.ts), continuing at `offset`
   * (0: a new one); on failure it stays, with its note, for the next offer of the same file.
   */
  resume?: { key: ResumeKey; offset: number };
}

/** How often the kept part's note is brought up to date while the bytes come (--resume). */
const CHECKPOINT_BYTES = 8 << 20;

interface Pump {
  done: Promise<void>;
  stop(): void;
}

/**
 * The sender learns the outcome from how we close (issue 10 #2): an orderly close only after the
 * file is committed under its final name; on any failure a reset at once, before cleaning up, so
 * the sender never takes a lost file for a delivered one and stops sending into the void.
 */
export function receiveFile(source: Bytestream, opts: ReceiveFileOptions): Promise<{ path: string; bytes: number }> {
  if (opts.resume) return receiveResumable(source, opts, opts.resume);
  return closingAfter(source.stream, async (reset) => {
    const part = await createPartFile(opts.dir, opts.name);
    let closed = false;
    try {
      const bytes = await copyChecked(source, part.handle.fd, opts, opts.name);
      const ours = await part.handle.stat();
      closed = true;
      await part.handle.close();
      return { path: await commitPartFile(part.partPath, opts.dir, opts.name, opts.overwrite, ours), bytes };
    } catch (err) {
      reset();
      if (!closed) await part.handle.close();
      if (opts.keepPartial) await keepPartFile(part.partPath, opts.dir, opts.name);
      else await removePartFile(part.partPath);
      throw err;
    }
  });
}

/**
 * --resume: the kept part (opened for appending, cut to `offset`), hashed from disk first when a
 * hash is checked, then the rest of the file appended; the note follows every CHECKPOINT_BYTES
 * and at a failure, after the data is on disk. Success commits the part and forgets the note.
 */
function receiveResumable(source: Bytestream, opts: ReceiveFileOptions, resume: { key: ResumeKey; offset: number }): Promise<{ path: string; bytes: number }> {
  return closingAfter(source.stream, async (reset) => {
    const partPath = resumePartPath(opts.dir, opts.name);
    const handle = await fsp.open(partPath, 'a+', 0o644).catch((err: Error) => {
      throw new Xep65Error('io', `cannot open ${partPath}: ${err.message}`, { cause: err });
    });
    const part: PartFile = { partPath, handle };
    let written = 0;
    let noted = 0;
    const key = { ...resume.key, name: opts.name };
    const note = () => checkpointResume(opts.dir, key, handle.fd, resume.offset + written);
    let closed = false;
    try {
      await handle.truncate(resume.offset);
      note();
      const rest = {
        ...opts,
        size: opts.size - resume.offset,
        hashPrefix: resume.offset,
        onWritten: (n: number) => {
          written = n;
          if (n - noted >= CHECKPOINT_BYTES) {
            note();
            noted = n;
          }
        },
        onProgress: (n: number) => opts.onProgress?.(resume.offset + n),
      };
      const bytes = await copyChecked(source, handle.fd, rest, opts.name);
      const ours = await handle.stat();
      closed = true;
      await handle.close();
      const saved = await commitPartFile(part.partPath, opts.dir, opts.name, opts.overwrite, ours);
      // The file is saved; a note left behind (it could not be removed) names a part that is
      // gone, which the next lookup drops as a mismatch: no reason to fail a saved file.
      await dropResumeNote(opts.dir, opts.name).catch(() => undefined);
      return { path: saved, bytes };
    } catch (err) {
      reset();
      if (closed) throw err;
      if (err instanceof Xep65Error && err.code === 'integrity') {
        // Bytes that do not hash to the sender's value must not be resumed from: the note goes,
        // the bytes stay where the user sees them (exit 6).
        await handle.close();
        await dropResumeNote(opts.dir, opts.name);
        const kept = await keepPartFile(partPath, opts.dir, opts.name);
        throw new Xep65Error('integrity', `${err.message}; the bytes received are kept in ${kept}`, { cause: err });
      }
      // What came stays, with its note, for the next offer of the same file. A note that cannot
      // be brought up to date (the disk is full) keeps its last claim, which is still true:
      // the transfer's own error is the one to report.
      try {
        note();
      } catch {
        // see above
      }
      await handle.close();
      throw err;
    }
  });
}

/**
 * Runs `work` on the stream held half-open: our FIN goes out only once it succeeded, a reset as
 * soon as it fails (`reset` lets it reset before its own cleanup).
 */
async function closingAfter<T>(stream: Duplex, work: (reset: () => void) => Promise<T>): Promise<T> {
  holdOpen(stream);
  const reset = () => resetStream(stream);
  try {
    const result = await work(reset);
    stream.destroy();
    return result;
  } catch (err) {
    reset();
    throw err;
  }
}

/**
 * A socket answers the sender's FIN with its own as soon as it reads the end (allowHalfOpen is
 * false by default), which the sender would take as "saved" before we committed: our FIN goes
 * out only when we close after the commit.
 */
function holdOpen(stream: Duplex): void {
  if ('allowHalfOpen' in stream) stream.allowHalfOpen = true;
}

/** A TCP reset where the stream is a socket (the sender sees ECONNRESET, not a FIN). */
function resetStream(stream: Duplex): void {
  const socket = stream as Partial<Socket>;
  if (typeof socket.resetAndDestroy === 'function' && !stream.destroyed) socket.resetAndDestroy();
  else stream.destroy();
}

/** A bytestream with a fast reader (a socket we dialed: its reused read buffer) uses it; any other gives its chunks. */
function pumpFrom({ stream, readInto }: Bytestream, consume: ChunkConsumer): Pump {
  if (readInto) return readInto(consume);
  let stop!: () => void;
  const done = new Promise<void>((resolve, reject) => {
    const finish = (err?: Error) => {
      stream.off('data', consume).off('end', onEnd).off('close', onEnd).off('error', finish);
      if (err) reject(err instanceof Xep65Error ? err : new Xep65Error('stream-broken', describeSocketError(err), { cause: err }));
      else resolve();
    };
    const onEnd = () => finish();
    stop = onEnd;
    stream.on('data', consume).on('end', onEnd).on('close', onEnd).on('error', finish);
    stream.resume(); // a socket our streamhost accepted is handed over paused (socks5-server.ts)
    // A stream that failed or ended before we attached (an IBB packet out of sequence right
    // after <open/>) emits nothing more: settle now, or the transfer waits for the idle timeout.
    if (stream.errored) finish(stream.errored);
    else if (stream.destroyed || stream.readableEnded) onEnd();
  });
  return { done, stop };
}

type CopyOptions = Pick<ReceiveFileOptions, 'size' | 'idleTimeoutMs' | 'endGraceMs' | 'onProgress' | 'signal'> & {
  /** Called after each chunk is written, with the bytes written so far. */
  onWritten?: (bytes: number) => void;
  /** The first bytes of the file, already in `fd`, that the hash covers before the new ones. */
  hashPrefix?: number;
};

/**
 * Copies the offered bytes, then waits up to endGraceMs for the sender's end: a byte beyond the
 * offered size fails the transfer wherever TCP split it (in the last chunk or in a later one); a
 * sender that keeps the stream open for our close is committed after the grace.
 */
function copyExactly(open: (consume: ChunkConsumer) => Pump, fd: number, hash: Hash | undefined, opts: CopyOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let received = 0;
    let lastActivity = Date.now();
    let settled = false;
    let pump: Pump | undefined;
    let grace: NodeJS.Timeout | undefined;
    const idleCheck = setInterval(() => {
      if (Date.now() - lastActivity > opts.idleTimeoutMs) {
        finish(new Xep65Error('stream-broken', `no data for ${Math.round(opts.idleTimeoutMs / 1000)} s after ${received} of ${opts.size} bytes`));
      }
    }, Math.min(1000, opts.idleTimeoutMs));
    const onAbort = () => finish(new Xep65Error('aborted', 'cancelled'));
    function finish(err?: Error) {
      if (settled) return;
      settled = true;
      clearInterval(idleCheck);
      clearTimeout(grace);
      opts.signal?.removeEventListener('abort', onAbort);
      pump?.stop();
      if (err) reject(err);
      else resolve(received);
    }
    const complete = () => {
      grace = setTimeout(() => finish(), opts.endGraceMs);
    };
    const consume = (chunk: Buffer) => {
      if (settled) return;
      lastActivity = Date.now();
      if (chunk.length > opts.size - received) return finish(new Xep65Error('integrity', `the sender sent more than the ${opts.size} bytes offered`));
      try {
        writeAll(fd, chunk);
      } catch (err) {
        return finish(new Xep65Error('io', `cannot write: ${(err as Error).message}`, { cause: err }));
      }
      hash?.update(chunk);
      received += chunk.length;
      try {
        opts.onWritten?.(received);
      } catch (err) {
        return finish(new Xep65Error('io', `cannot note the bytes received: ${(err as Error).message}`, { cause: err }));
      }
      opts.onProgress?.(received);
      if (received === opts.size) complete();
    };

    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    pump = open(consume);
    if (opts.size === 0) complete();
    // Once every offered byte is here, how the sender then closes (FIN or reset) changes nothing.
    pump.done.then(
      () => finish(received === opts.size ? undefined : new Xep65Error('stream-broken', `the stream ended after ${received} of ${opts.size} bytes`)),
      (err: Error) => finish(received === opts.size ? undefined : brokenAfter(received, err)),
    );
  });
}

/** The stream failed midway; a cause that knows better (a lost XMPP connection under IBB) keeps its code. */
function brokenAfter(received: number, err: Error): Xep65Error {
  const code = err instanceof Xep65Error ? err.code : 'stream-broken';
  return new Xep65Error(code, `the stream failed after ${received} bytes: ${err.message}`, { cause: err });
}

/**
 * Receives into an open descriptor (standard output): the same checks, but nothing to rename or
 * remove; bytes already written stay written when a check fails (the exit status says so).
 */
export function receiveToFd(source: Bytestream, fd: number, opts: Omit<ReceiveFileOptions, 'dir' | 'name' | 'overwrite'>): Promise<{ bytes: number }> {
  return closingAfter(source.stream, async () => ({ bytes: await copyChecked(source, fd, opts, 'the data') }));
}

/** Exactly `size` bytes into `fd`, then the MD5 check when the sender offered one, or the digest's check. */
async function copyChecked(source: Bytestream, fd: number, opts: CopyOptions & Pick<ReceiveFileOptions, 'md5' | 'digest'>, what: string): Promise<number> {
  const hash = opts.digest ? createHash(opts.digest.algorithm) : opts.md5 ? createHash('md5') : undefined;
  // Resumed: the kept bytes are hashed from disk while the rest arrives (hashing them first would
  // leave the sender idle for as long), then the new bytes, from disk too, after the last one.
  const prefix = hash && opts.hashPrefix ? hashFileRange(fd, 0, opts.hashPrefix, hash, what) : undefined;
  prefix?.catch(() => undefined); // awaited below; a copy that fails first must not leave it unhandled
  const bytes = await copyExactly((consume) => pumpFrom(source, consume), fd, prefix ? undefined : hash, opts);
  if (prefix) {
    await prefix;
    await hashFileRange(fd, opts.hashPrefix!, opts.hashPrefix! + bytes, hash!, what);
  }
  if (opts.digest) {
    await opts.digest.check(hash!.digest());
    return bytes;
  }
  const digest = hash?.digest('hex');
  if (opts.md5 && digest !== opts.md5) throw new Xep65Error('integrity', `MD5 of ${what} is ${digest}, the sender said ${opts.md5}`);
  return bytes;
}

function writeAll(fd: number, chunk: Buffer): void {
  for (let off = 0; off < chunk.length; ) {
    try {
      off += writeSync(fd, chunk, off, chunk.length - off);
    } catch (err) {
      // A non-blocking pipe that is full: wait a moment for the reader instead of failing.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

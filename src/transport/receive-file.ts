// Receiving the file from a connected bytestream (XEP-0065 §5.3.3 "exchange data"; XEP-0096
// §3.2 size and hash): at most `size` bytes go to the part file, each chunk written before the
// next is read (the socket's own flow control is the backpressure); the transfer is complete
// when exactly `size` bytes arrived and the MD5, if offered, matches.
import { createHash, type Hash } from 'node:crypto';
import { writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Xep65Error } from '../errors.js';
import { commitPartFile, createPartFile, keepPartFile, removePartFile } from './file-sink.js';
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
}

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

type CopyOptions = Pick<ReceiveFileOptions, 'size' | 'idleTimeoutMs' | 'endGraceMs' | 'onProgress' | 'signal'>;

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
  const bytes = await copyExactly((consume) => pumpFrom(source, consume), fd, hash, opts);
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

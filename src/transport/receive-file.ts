// Receiving the file from a connected bytestream (XEP-0065 §5.3.3 "exchange data"; XEP-0096
// §3.2 size and hash): bytes go to the part file with backpressure, at most `size` of them;
// the transfer is complete when exactly `size` bytes arrived and the MD5, if offered, matches.
import { createHash, type Hash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { createWriteStream } from 'node:fs';
import { Xep65Error } from '../errors.js';
import { commitPartFile, createPartFile, removePartFile } from './file-sink.js';

export interface ReceiveFileOptions {
  dir: string;
  /** Already made safe (safeFileName). */
  name: string;
  size: number;
  md5?: string;
  overwrite: boolean;
  /** Fail when no byte arrives for this long. */
  idleTimeoutMs: number;
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

export async function receiveFile(stream: Duplex, opts: ReceiveFileOptions): Promise<{ path: string; bytes: number }> {
  const part = await createPartFile(opts.dir, opts.name);
  try {
    const hash = opts.md5 ? createHash('md5') : undefined;
    const bytes = await copyExactly(stream, createWriteStream('', { fd: part.handle, highWaterMark: 1 << 20 }), hash, opts);
    const digest = hash?.digest('hex');
    if (opts.md5 && digest !== opts.md5) {
      throw new Xep65Error('integrity', `MD5 of ${opts.name} is ${digest}, the sender said ${opts.md5}`);
    }
    return { path: await commitPartFile(part.partPath, opts.dir, opts.name, opts.overwrite), bytes };
  } catch (err) {
    await part.handle.close().catch(() => undefined); // may already be closed by the write stream
    await removePartFile(part.partPath);
    throw err;
  } finally {
    stream.destroy();
  }
}

function copyExactly(
  stream: Duplex,
  out: NodeJS.WritableStream & { close(cb?: (err?: NodeJS.ErrnoException | null) => void): void },
  hash: Hash | undefined,
  opts: ReceiveFileOptions,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let received = 0;
    let lastActivity = Date.now();
    let settled = false;
    const idleCheck = setInterval(() => {
      if (Date.now() - lastActivity > opts.idleTimeoutMs) {
        fail(new Xep65Error('stream-broken', `no data for ${Math.round(opts.idleTimeoutMs / 1000)} s after ${received} of ${opts.size} bytes`));
      }
    }, Math.min(1000, opts.idleTimeoutMs));

    const cleanup = () => {
      settled = true;
      clearInterval(idleCheck);
      stream.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: Error) => {
      if (settled) return;
      cleanup();
      out.close(() => reject(err));
    };
    const complete = () => {
      cleanup();
      out.end(() => resolve(received));
    };
    const onData = (chunk: Buffer) => {
      lastActivity = Date.now();
      received += chunk.length;
      if (received > opts.size) return fail(new Xep65Error('integrity', `the sender sent more than the ${opts.size} bytes offered`));
      hash?.update(chunk);
      const more = out.write(chunk);
      opts.onProgress?.(received);
      if (received === opts.size) return complete();
      if (!more) {
        stream.pause();
        out.once('drain', () => stream.resume());
      }
    };
    const onEnd = () => fail(new Xep65Error('stream-broken', `the stream ended after ${received} of ${opts.size} bytes`));
    const onError = (err: Error) => fail(new Xep65Error('stream-broken', `the stream failed after ${received} bytes: ${err.message}`, { cause: err }));
    const onAbort = () => fail(new Xep65Error('aborted', 'cancelled'));
    out.on('error', (err: Error) => fail(new Xep65Error('io', `cannot write: ${err.message}`, { cause: err })));

    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.size === 0) return complete();
    stream.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError);
    stream.resume();
  });
}

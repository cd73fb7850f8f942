// Sending the file over a connected bytestream (XEP-0065 §5.3.3/§6.3.5 "exchange data"): read
// at most the offered size with large reads, write with backpressure (stream.pipeline), half-
// close, then wait for the receiver to close its side: that is its acknowledgment.
import { createReadStream } from 'node:fs';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Xep65Error } from '../errors.js';

export interface SendFileOptions {
  size: number;
  /** How long to wait for the receiver to close after the last byte. */
  closeTimeoutMs: number;
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

const READ_CHUNK = 4 << 20;

export async function sendFile(path: string, stream: Duplex, opts: SendFileOptions): Promise<number> {
  let sent = 0;
  const closed = waitForClose(stream);
  try {
    if (opts.size > 0) {
      const source = createReadStream(path, { start: 0, end: opts.size - 1, highWaterMark: READ_CHUNK });
      source.on('data', (chunk) => {
        sent += chunk.length;
        opts.onProgress?.(sent);
      });
      await pipeline(source, stream, { signal: opts.signal, end: true });
    } else {
      stream.end();
    }
  } catch (err) {
    stream.destroy();
    if (opts.signal?.aborted) throw new Xep65Error('aborted', 'cancelled', { cause: err });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw new Xep65Error('io', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
    throw new Xep65Error('stream-broken', `the stream broke after ${sent} of ${opts.size} bytes: ${(err as Error).message}`, { cause: err });
  }
  if (sent !== opts.size) {
    stream.destroy();
    throw new Xep65Error('io', `${path} changed while sending: read ${sent} of ${opts.size} bytes`);
  }
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, opts.closeTimeoutMs).unref())]);
  stream.destroy();
  return sent;
}

function waitForClose(stream: Duplex): Promise<void> {
  return new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.once('end', () => resolve());
    stream.on('error', () => resolve()); // after the last byte, a reset by the closing peer is expected
    stream.resume(); // the receiver sends nothing; reading lets us see its FIN
  });
}

// Sending the file in-band (XEP-0047): the file read in block-size chunks into one reused
// buffer, each chunk handed to the IBB writer, which keeps a few data IQs in flight.
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Xep65Error } from '../errors.js';
import type { IbbWriter } from '../session/bytestream/ibb-sender.js';

/** `size` bytes from `start` (default 0); `onChunk` sees each chunk as read (a running hash), valid only during the call. */
export async function sendFileInBand(
  writer: IbbWriter,
  path: string,
  size: number,
  opts: { signal?: AbortSignal; onProgress?: (bytes: number) => void; onChunk?: (chunk: Buffer) => void; start?: number },
): Promise<number> {
  const file = await open(path, 'r').catch((err: Error) => {
    writer.abandon();
    throw new Xep65Error('io', `cannot read ${path}: ${err.message}`, { cause: err });
  });
  const buffer = Buffer.allocUnsafe(writer.blockSize); // reusable: write() base64-encodes it before returning
  try {
    let sent = 0;
    while (sent < size) {
      opts.signal?.throwIfAborted();
      const chunk = buffer.subarray(0, Math.min(writer.blockSize, size - sent));
      if (readSync(file.fd, chunk, 0, chunk.length, (opts.start ?? 0) + sent) < chunk.length) {
        throw new Xep65Error('io', `${path} changed while sending: it ends before the ${size} bytes offered`);
      }
      opts.onChunk?.(chunk);
      await writer.write(chunk);
      sent += chunk.length;
      opts.onProgress?.(sent);
    }
    await writer.close();
    return sent;
  } catch (err) {
    writer.abandon();
    throw err;
  } finally {
    await file.close();
  }
}

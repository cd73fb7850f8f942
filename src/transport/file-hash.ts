// A file's digest read in large chunks: before it is offered, the MD5 of the XEP-0096 §3.1
// 'hash' attribute, or (Jingle, --hash) the SHA-256 that goes into the XEP-0234 offer; and, for a
// resumed transfer (issue 14), a range of an open file fed into a running hash.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, read } from 'node:fs';
import { promisify } from 'node:util';
import { Xep65Error } from '../errors.js';

const readAt = promisify(read);

/** Digests (Node's names: 'md5', 'sha256') in one read of the file (send --hash before the protocol is known: MD5 for SI, SHA-256 for Jingle). */
export async function digestsOfFile(path: string, size: number, algorithms: readonly string[], signal?: AbortSignal): Promise<Buffer[]> {
  const hashes = algorithms.map((a) => createHash(a));
  const source = createReadStream(path, { highWaterMark: 1 << 20, ...(size > 0 ? { end: size - 1 } : { end: -1 }), signal });
  try {
    for await (const chunk of source) for (const hash of hashes) hash.update(chunk as Buffer);
  } catch (err) {
    if (signal?.aborted) throw new Xep65Error('aborted', 'cancelled', { cause: err });
    throw new Xep65Error('io', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return hashes.map((h) => h.digest());
}

/**
 * Bytes `from`..`to` of the open file `fd` into `hash`, in 1 MiB reads that do not hold the
 * event loop (a kept part may be gigabytes). `what` names the file in the error when it is short.
 */
export async function hashFileRange(fd: number, from: number, to: number, hash: Hash, what: string): Promise<void> {
  const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(to - from, 1 << 20)));
  for (let position = from; position < to; ) {
    const { bytesRead } = await readAt(fd, buffer, 0, Math.min(buffer.length, to - position), position).catch((err: Error) => {
      throw new Xep65Error('io', `cannot read ${what}: ${err.message}`, { cause: err });
    });
    if (bytesRead === 0) throw new Xep65Error('io', `${what} ends at ${position}, before the ${to} bytes of the transfer`);
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
}

// A file's digest read in large chunks before it is offered: the MD5 of the XEP-0096 §3.1 'hash'
// attribute, or (Jingle, --hash) the SHA-256 that goes into the XEP-0234 offer.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Xep65Error } from '../errors.js';

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

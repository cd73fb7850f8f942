// A file's digest read in large chunks before it is offered: the MD5 of the XEP-0096 §3.1 'hash'
// attribute, or (Jingle, --hash) the SHA-256 that goes into the XEP-0234 offer.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Xep65Error } from '../errors.js';

/** `algorithm` in Node's naming ('md5', 'sha256'). */
export async function digestFile(path: string, size: number, algorithm: string, signal?: AbortSignal): Promise<Buffer> {
  const hash = createHash(algorithm);
  const source = createReadStream(path, { highWaterMark: 1 << 20, ...(size > 0 ? { end: size - 1 } : { end: -1 }), signal });
  try {
    for await (const chunk of source) hash.update(chunk as Buffer);
  } catch (err) {
    if (signal?.aborted) throw new Xep65Error('aborted', 'cancelled', { cause: err });
    throw new Xep65Error('io', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return hash.digest();
}

export async function md5File(path: string, size: number, signal?: AbortSignal): Promise<string> {
  return (await digestFile(path, size, 'md5', signal)).toString('hex');
}

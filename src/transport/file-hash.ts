// MD5 of a file for the XEP-0096 §3.1 'hash' attribute, read in large chunks.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Xep65Error } from '../errors.js';

export async function md5File(path: string, size: number, signal?: AbortSignal): Promise<string> {
  const hash = createHash('md5');
  const source = createReadStream(path, { highWaterMark: 1 << 20, ...(size > 0 ? { end: size - 1 } : { end: -1 }), signal });
  try {
    for await (const chunk of source) hash.update(chunk as Buffer);
  } catch (err) {
    if (signal?.aborted) throw new Xep65Error('aborted', 'cancelled', { cause: err });
    throw new Xep65Error('io', `cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return hash.digest('hex');
}

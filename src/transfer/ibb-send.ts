// Sending the file in-band (XEP-0047): the file read in block-size chunks into one reused
// buffer, each chunk handed to the IBB writer, which keeps a few data IQs in flight.
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Xep65Error } from '../errors.js';
import { openIbb } from '../session/bytestream/ibb-sender.js';
import type { XmppPort } from '../session/ports.js';

export async function sendFileInBand(
  xmpp: XmppPort,
  target: string,
  sid: string,
  path: string,
  size: number,
  opts: { timeoutMs: number; signal?: AbortSignal; onOpen?: (blockSize: number) => void; onProgress?: (bytes: number) => void },
): Promise<number> {
  const writer = await openIbb(xmpp, target, sid, opts);
  opts.onOpen?.(writer.blockSize);
  const file = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(writer.blockSize); // reusable: write() base64-encodes it before returning
  try {
    let sent = 0;
    while (sent < size) {
      opts.signal?.throwIfAborted();
      const chunk = buffer.subarray(0, Math.min(writer.blockSize, size - sent));
      if (readSync(file.fd, chunk, 0, chunk.length, sent) < chunk.length) {
        throw new Xep65Error('io', `${path} changed while sending: it ends before the ${size} bytes offered`);
      }
      await writer.write(chunk);
      sent += chunk.length;
      opts.onProgress?.(sent);
    }
    await writer.close();
    return sent;
  } finally {
    await file.close();
  }
}

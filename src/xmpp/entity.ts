// Small fixes and helpers around an xmpp.js connection entity, shared by the client
// connection (connect.ts) and the XEP-0114 component connection (component.ts).
import { StringDecoder } from 'node:string_decoder';
import { Xep65Error } from '../errors.js';

interface DataEntity {
  _onData(data: Buffer): void;
  parser: { write(s: string): void } | null;
}

/** xmpp.js decodes each read on its own and breaks characters split across reads. */
export function fixUtf8Decoding(entity: DataEntity): void {
  const decoder = new StringDecoder('utf8');
  entity._onData = (data: Buffer) => entity.parser?.write(decoder.write(data));
}

export function withDeadline<T>(promise: Promise<T>, ms: number, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Xep65Error('timeout', `no answer within ${Math.round(ms / 1000)} s`)), ms);
    const onAbort = () => reject(new Xep65Error('aborted', 'cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}

/** The raw TCP socket, or the TLS socket inside xmpp.js's wrapper. */
export function destroySocket(socket: unknown): void {
  type Destroyable = { destroy?: () => void; socket?: Destroyable } | null | undefined;
  const raw = (socket as Destroyable)?.socket ?? (socket as Destroyable);
  raw?.destroy?.();
}


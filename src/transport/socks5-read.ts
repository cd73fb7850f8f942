// Reading SOCKS5 messages from a socket (RFC 1928; ARCHITECTURE rule 2: a TCP read is not a
// message), shared by the client (socks5-client.ts) and server (socks5-server.ts) handshakes.
import type net from 'node:net';
import { Xep65Error, toXep65Error } from '../errors.js';
import type { Decoded } from '../socks5/codec.js';
import { describeSocketError } from './socket-errors.js';
export type Socks5Decoder<T> = (buf: Buffer) => Decoded<T>;

/** The error a cancelled handshake rejects with: the signal's own Xep65Error (timeout) if it has one. */
export function abortError(signal: AbortSignal): Xep65Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Xep65Error) return reason;
  return new Xep65Error('aborted', 'SOCKS5 handshake cancelled', { cause: reason });
}

/**
 * One signal that fires on the caller's abort or after `ms`, whichever comes first; its reason is an
 * Xep65Error ('aborted', or whatever `onTimeout` builds). Call `clear()` when done.
 */
export function linkedDeadline(
  ms: number,
  signal: AbortSignal | undefined,
  onTimeout: () => Xep65Error,
): { signal: AbortSignal; clear(): void } {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(onTimeout()), ms);
  const onAbort = (): void => ctl.abort(new Xep65Error('aborted', 'cancelled', { cause: signal?.reason }));
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const clear = (): void => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
  return { signal: ctl.signal, clear };
}

/**
 * Reads one SOCKS5 message, however TCP splits or joins it (ARCHITECTURE rule 2). On success the
 * socket is paused, our listeners are gone and any bytes after the message are unshifted back, so
 * the next reader (or the file data pipe) sees them first. Rejects on bad bytes, error, close, abort.
 */
export function readSocks5Message<T>(socket: net.Socket, decode: Socks5Decoder<T>, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    if (socket.destroyed || socket.readableEnded) return reject(new Xep65Error('io', 'connection closed before SOCKS5 handshake'));
    let pending = Buffer.alloc(0);
    const detach = (): void => {
      socket.off('data', onData).off('error', onError).off('end', onClose).off('close', onClose);
      signal?.removeEventListener('abort', onAbort);
      socket.pause();
    };
    const fail = (err: Xep65Error): void => {
      detach();
      reject(err);
    };
    const onData = (chunk: Buffer | string): void => {
      pending = Buffer.concat([pending, typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk]);
      let decoded: Decoded<T>;
      try {
        decoded = decode(pending);
      } catch (err) {
        return fail(toXep65Error(err, 'protocol'));
      }
      if (decoded === null) return;
      detach();
      if (decoded.rest.length > 0) socket.unshift(decoded.rest);
      resolve(decoded.value);
    };
    const onError = (err: Error): void => fail(new Xep65Error('io', `socket error during SOCKS5 handshake: ${describeSocketError(err)}`, { cause: err }));
    const onClose = (): void => fail(new Xep65Error('io', `connection closed during SOCKS5 handshake (after ${pending.length} bytes of a message)`));
    const onAbort = (): void => fail(abortError(signal as AbortSignal));
    socket.on('data', onData).on('error', onError).on('end', onClose).on('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
    // An explicit pause() leaves the stream non-flowing even with a 'data' listener: resume it.
    socket.resume();
  });
}

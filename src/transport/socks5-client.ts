// XEP-0065 §5.3.2, §6.3.2, §6.3.4 / RFC 1928 §3-4, §6: the SOCKS5 client side of a bytestream
// (Target dialing a streamhost, or Requester dialing a proxy), over a real TCP socket.
// Each message goes out in one write and we wait for its reply before the next (ARCHITECTURE
// rule 3: Prosody's proxy parses each message from a single chunk, so never pipeline).
import net from 'node:net';
import { Xep65Error, describeConnectErrno, toXep65Error } from '../errors.js';
import {
  CMD_CONNECT,
  METHOD_NO_AUTH,
  METHOD_NONE_ACCEPTABLE,
  REP_SUCCEEDED,
  decodeMethodSelection,
  decodeReply,
  describeReply,
  encodeGreeting,
  encodeRequest,
  type Decoded,
} from '../socks5/codec.js';

import { abortError, linkedDeadline, readSocks5Message } from './socks5-read.js';
import { SocketReader } from './socket-reader.js';
import type { Bytestream, ReadInto } from '../session/ports.js';

/**
 * Client handshake on a connected socket: greeting offering "no authentication" only, then
 * CONNECT with ATYP 3, DST.ADDR = dstAddr, DST.PORT = 0 (XEP-0065 §10.2). Resolves with the socket
 * paused and any data that came with the reply unshifted. On rejection the caller destroys the socket.
 */
export async function socks5Handshake(
  socket: net.Socket,
  dstAddr: string,
  opts: { signal?: AbortSignal; read?: MessageReader } = {},
): Promise<void> {
  const read: MessageReader = opts.read ?? ((decode, signal) => readSocks5Message(socket, decode, signal));
  const request = encodeRequest(CMD_CONNECT, dstAddr, 0); // throws before any byte is sent if dstAddr cannot be encoded
  if (opts.signal?.aborted) throw abortError(opts.signal);
  socket.write(encodeGreeting([METHOD_NO_AUTH]));
  const { method } = await read(decodeMethodSelection, opts.signal);
  if (method === METHOD_NONE_ACCEPTABLE) {
    throw new Xep65Error('no-streamhost', 'SOCKS5 server accepts no method we offer (we offer only 0, no authentication)');
  }
  if (method !== METHOD_NO_AUTH) throw new Xep65Error('protocol', `SOCKS5 server chose method ${method}, which we did not offer`);
  socket.write(request);
  // Any BND.ADDR is accepted: Pidgin replies with its own IP instead of echoing DST.ADDR.
  const { rep } = await read(decodeReply, opts.signal);
  if (rep !== REP_SUCCEEDED) throw new Xep65Error('no-streamhost', `SOCKS5 reply ${rep} (${describeReply(rep)})`);
}

/** Reads one SOCKS5 message from wherever the socket's bytes go. */
type MessageReader = <T>(decode: (buf: Buffer) => Decoded<T>, signal?: AbortSignal) => Promise<T>;

export interface DialSocks5Options {
  host: string;
  port: number;
  dstAddr: string;
  /** One budget for TCP connect and SOCKS5 handshake together. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** A dialed SOCKS5 connection: the socket, and its fast reader for the data that follows (socket-reader.ts). */
export interface DialedSocket extends Bytestream {
  stream: net.Socket;
  readInto: ReadInto;
}

/** TCP connect + SOCKS5 handshake within timeoutMs. Rejects with a Xep65Error naming host:port. */
export async function dialSocks5(opts: DialSocks5Options): Promise<DialedSocket> {
  const where = opts.host.includes(':') ? `[${opts.host}]:${opts.port}` : `${opts.host}:${opts.port}`;
  let phase: 'connect' | 'socks5' = 'connect';
  const limit = linkedDeadline(opts.timeoutMs, opts.signal, () =>
    new Xep65Error('timeout', `${phase === 'connect' ? 'no TCP connection' : 'no SOCKS5 reply'} within ${opts.timeoutMs} ms`),
  );
  let socket: net.Socket | undefined;
  try {
    const reader = await connectTcp(opts.host, opts.port, limit.signal);
    socket = reader.socket;
    phase = 'socks5';
    socket.setNoDelay(true);
    await socks5Handshake(socket, opts.dstAddr, { signal: limit.signal, read: (decode, signal) => reader.readMessage(decode, signal) });
    socket.pause();
    reader.release();
    return { stream: socket, readInto: (consume) => reader.pump(consume) };
  } catch (err) {
    socket?.destroy();
    const inner = toXep65Error(err, 'io');
    throw new Xep65Error(inner.code, `${where}: ${inner.message}`, { cause: inner });
  } finally {
    limit.clear();
  }
}

/** Connects with a SocketReader, so the data that follows the handshake can be read fast. */
function connectTcp(host: string, port: number, signal: AbortSignal): Promise<SocketReader> {
  return new Promise<SocketReader>((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    if (!Number.isInteger(port) || port < 1 || port > 0xffff) return reject(new Xep65Error('no-streamhost', `invalid port ${port}`));
    const reader = new SocketReader({ host, port });
    const { socket } = reader;
    const settle = (err: Xep65Error | null): void => {
      socket.off('connect', onConnect).off('error', onError);
      signal.removeEventListener('abort', onAbort);
      if (err === null) return resolve(reader);
      socket.destroy();
      reject(err);
    };
    const onConnect = (): void => settle(null);
    const onError = (err: Error): void => settle(new Xep65Error('no-streamhost', describeConnectError(err), { cause: err }));
    const onAbort = (): void => settle(abortError(signal));
    socket.once('connect', onConnect).once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function describeConnectError(err: Error): string {
  // With several addresses (autoSelectFamily), Node reports an AggregateError of the attempts.
  const first: unknown = err instanceof AggregateError ? err.errors[0] : err;
  const code = (err as NodeJS.ErrnoException).code ?? (first as NodeJS.ErrnoException | undefined)?.code;
  return describeConnectErrno(code) ?? (err.message || code || 'connection failed');
}

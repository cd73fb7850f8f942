// XEP-0065 §5.3.2 (StreamHost/Requester acknowledges the Target's CONNECT), §10.1, §10.2 /
// RFC 1928 §3-4, §6: the SOCKS5 server side of our own streamhost, over a real TCP socket.
import type net from 'node:net';
import { Xep65Error, toXep65Error } from '../errors.js';
import {
  ATYP_DOMAIN,
  ATYP_IPV4,
  ATYP_IPV6,
  CMD_CONNECT,
  METHOD_NO_AUTH,
  METHOD_NONE_ACCEPTABLE,
  REP_ATYP_NOT_SUPPORTED,
  REP_COMMAND_NOT_SUPPORTED,
  REP_GENERAL_FAILURE,
  REP_NOT_ALLOWED,
  REP_SUCCEEDED,
  SOCKS_VERSION,
  decodeGreeting,
  decodeRequest,
  encodeMethodSelection,
  encodeReply,
  type Socks5Address,
} from '../socks5/codec.js';
import { linkedDeadline, readSocks5Message } from './socks5-read.js';

export interface AcceptSocks5Options {
  /**
   * Called with DST.ADDR before the success reply is sent, so the connection is registered before
   * the Target can send streamhost-used (Smack's order). Return false to refuse it.
   */
  onConnect(dstAddr: string, dstPort: number): boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** After a refusal reply, how long a peer that keeps the connection open is given before we drop it. */
const REFUSAL_LINGER_MS = 5000;

/** The address in replies to a request whose address could not be read (RFC 1928 §6). */
const NO_ADDRESS: Socks5Address = { atyp: ATYP_IPV4, host: '0.0.0.0', port: 0 };

/**
 * Serves one SOCKS5 handshake on an accepted socket and resolves with the client's DST.ADDR. The
 * socket is then paused, our listeners are gone, and bytes sent after the request are unshifted.
 * On refusal the reply is sent and the socket ended; on timeout, abort or garbage it is destroyed.
 */
export async function acceptSocks5(socket: net.Socket, opts: AcceptSocks5Options): Promise<string> {
  const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  const limit = linkedDeadline(opts.timeoutMs, opts.signal, () =>
    new Xep65Error('timeout', `no complete SOCKS5 handshake from ${peer} within ${opts.timeoutMs} ms`),
  );
  try {
    return await serveHandshake(socket, opts.onConnect, limit.signal);
  } catch (err) {
    if (!socket.writableEnded) socket.destroy();
    throw toXep65Error(err, 'io');
  } finally {
    limit.clear();
  }
}

async function serveHandshake(socket: net.Socket, onConnect: (dstAddr: string, dstPort: number) => boolean, signal: AbortSignal): Promise<string> {
  const { methods } = await readSocks5Message(socket, decodeGreeting, signal);
  if (!methods.includes(METHOD_NO_AUTH)) {
    refuse(socket, encodeMethodSelection(METHOD_NONE_ACCEPTABLE));
    throw new Xep65Error('protocol', `SOCKS5 client offers methods [${methods.join(', ')}] but not 0 (no authentication)`);
  }
  socket.write(encodeMethodSelection(METHOD_NO_AUTH));
  const { cmd, ...dst } = await readRequest(socket, signal);
  if (cmd !== CMD_CONNECT) {
    refuse(socket, encodeReply(REP_COMMAND_NOT_SUPPORTED, dst));
    throw new Xep65Error('protocol', `SOCKS5 command ${cmd} not supported (only CONNECT)`);
  }
  if (dst.atyp !== ATYP_DOMAIN) {
    refuse(socket, encodeReply(REP_ATYP_NOT_SUPPORTED, dst));
    throw new Xep65Error('protocol', `SOCKS5 address type ${dst.atyp} not supported (XEP-0065 §10.2 requires 3)`);
  }
  let allowed: boolean;
  try {
    allowed = onConnect(dst.host, dst.port);
  } catch (err) {
    refuse(socket, encodeReply(REP_GENERAL_FAILURE, dst));
    throw toXep65Error(err, 'internal');
  }
  if (!allowed) {
    refuse(socket, encodeReply(REP_NOT_ALLOWED, dst));
    throw new Xep65Error('protocol', `unexpected DST.ADDR ${dst.host}`, { reason: 'dst-addr-refused' });
  }
  // XEP-0065 §5.3.2: BND.ADDR and BND.PORT echo DST.ADDR and DST.PORT exactly (Smack checks).
  socket.write(encodeReply(REP_SUCCEEDED, dst));
  return dst.host;
}

/** Reads the CONNECT request; an address type the codec cannot even measure gets reply 8 first. */
async function readRequest(socket: net.Socket, signal: AbortSignal): Promise<{ cmd: number } & Socks5Address> {
  let unknownAtyp = false;
  const decode: typeof decodeRequest = (buf) => {
    unknownAtyp = buf.length >= 4 && buf[0] === SOCKS_VERSION && ![ATYP_IPV4, ATYP_DOMAIN, ATYP_IPV6].includes(buf[3]);
    return decodeRequest(buf);
  };
  try {
    return await readSocks5Message(socket, decode, signal);
  } catch (err) {
    if (unknownAtyp) refuse(socket, encodeReply(REP_ATYP_NOT_SUPPORTED, NO_ADDRESS));
    throw err;
  }
}

/**
 * Sends a refusal and half-closes. The rejection already reports why, so later socket errors (a
 * reset by the refused peer) are ignored rather than left to crash the process; incoming bytes are
 * drained so the peer's FIN closes the socket, and a peer that never closes is dropped after a while.
 */
function refuse(socket: net.Socket, reply: Buffer): void {
  socket.on('error', () => undefined);
  socket.setTimeout(REFUSAL_LINGER_MS, () => socket.destroy());
  socket.end(reply);
  socket.resume();
}

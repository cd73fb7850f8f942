// The data path of our proxy (XEP-0065 §6.3.5: "Data is now relayed between the two SOCKS5
// connections by the proxy"): both directions, with backpressure, until either side closes;
// then both are closed. Sockets are adopted for 1 MiB reads into recycled buffers when possible
// (adopt-socket.ts), else piped; a read buffer goes back to its pool once its write completed, and
// a reader pauses while its peer's send queue is full, so memory stays flat in the bytes relayed.
import type net from 'node:net';
import { adoptSocket } from './adopt-socket.js';
import { describeSocketError } from './socket-errors.js';

export interface RelayResult {
  /** Bytes from `a` to `b`, and from `b` to `a`. */
  aToB: number;
  bToA: number;
  /** 'end' when a side closed cleanly, else what broke the relay. */
  reason: string;
}

export interface RelayOptions {
  signal?: AbortSignal;
  /** false: plain pipe() even where sockets could be adopted (tests cover both paths). */
  adopt?: boolean;
  /** Called with the sockets that now carry the connections (adopted ones replace `a` and `b`). */
  onSockets?(a: net.Socket, b: net.Socket): void;
}

/** How long a side that got our FIN may keep its connection before it is dropped. */
const LINGER_MS = 10_000;

interface Side {
  socket: net.Socket;
  /** Bytes read from this side. */
  bytes: number;
  /** After the other side ended, what this side still sends is read and dropped. */
  discard: boolean;
  /** Paused because the peer's send queue is full; resumed on the peer's 'drain'. */
  blocked: boolean;
}

export function relay(a: net.Socket, b: net.Socket, opts: RelayOptions = {}): Promise<RelayResult> {
  const [sa, sb] = connectSides(a, b, opts.adopt !== false);
  opts.onSockets?.(sa.socket, sb.socket);
  return new Promise<RelayResult>((resolve) => {
    let reason = 'end';
    let closed = 0;
    let linger: NodeJS.Timeout | undefined;
    const lingerThenDrop = () => (linger ??= setTimeout(() => fail('end'), LINGER_MS).unref());
    const fail = (why: string) => {
      if (reason === 'end') reason = why;
      sa.socket.destroy();
      sb.socket.destroy();
    };
    // When one side ends, the other gets every byte already read and then our FIN; we close our
    // half towards the first side. A side that never closes after that is dropped.
    const onEnd = (from: Side, to: Side) => {
      to.socket.end();
      to.discard = true;
      from.socket.end();
      lingerThenDrop();
    };
    const onClose = () => {
      if (++closed < 2) {
        // A side that vanished (reset, destroyed) cannot receive more: close the other too.
        for (const s of [sa, sb]) if (!s.socket.destroyed) s.socket.end();
        lingerThenDrop();
        return;
      }
      clearTimeout(linger);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ aToB: sa.bytes, bToA: sb.bytes, reason });
    };
    const onAbort = () => fail('proxy shutting down');
    for (const [from, to] of [
      [sa, sb],
      [sb, sa],
    ] as const) {
      from.socket.on('end', () => onEnd(from, to));
      from.socket.on('error', (err) => fail(describeSocketError(err)));
      from.socket.on('close', onClose);
      to.socket.on('drain', () => {
        if (from.blocked) {
          from.blocked = false;
          from.socket.resume();
        }
      });
      from.socket.resume();
    }
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Both sides, adopted for big reads when both can be, else with 'data' forwarding. */
function connectSides(a: net.Socket, b: net.Socket, adopt: boolean): [Side, Side] {
  const sa: Side = { socket: a, bytes: 0, discard: false, blocked: false };
  const sb: Side = { socket: b, bytes: 0, discard: false, blocked: false };
  const forward = (from: Side, to: Side) => (chunk: Buffer, done?: () => void): boolean => {
    from.bytes += chunk.length;
    if (from.discard || to.socket.destroyed) return done?.(), true;
    if (to.socket.write(chunk, done)) return true;
    from.blocked = true;
    return false;
  };
  const aToB = forward(sa, sb);
  const bToA = forward(sb, sa);
  const adoptedA = adopt ? adoptSocket(a, (chunk, buffer) => aToB(chunk, () => adoptedA!.reads.recycle(buffer))) : undefined;
  const adoptedB = adoptedA ? adoptSocket(b, (chunk, buffer) => bToA(chunk, () => adoptedB!.reads.recycle(buffer))) : undefined;
  if (adoptedA && adoptedB) {
    sa.socket = adoptedA.socket;
    sb.socket = adoptedB.socket;
    return [sa, sb];
  }
  if (adoptedA) {
    // b could not be adopted: a is gone as an object, so both keep going through its new socket.
    sa.socket = adoptedA.socket;
  }
  for (const [from, move] of [
    [sa, aToB],
    [sb, bToA],
  ] as const) {
    if (from === sa && adoptedA) continue;
    from.socket.on('data', (chunk: Buffer) => {
      if (!move(chunk)) from.socket.pause();
    });
  }
  return [sa, sb];
}

// Our own streamhost (XEP-0065 §5: the requester acting as StreamHost). It accepts only the
// connections it expects: a SOCKS5 CONNECT whose DST.ADDR was registered with expect(), once;
// anything else is refused or dropped, and half-open handshakes are closed after a deadline.
import net from 'node:net';
import { Xep65Error } from '../errors.js';
import type { Bytestream, StreamhostListenerPort } from '../session/ports.js';
import { acceptedBytestream } from './accepted-bytestream.js';
import { acceptSocks5 } from './socks5-server.js';

export interface ListenOptions {
  /** 0 for any free port. */
  port: number;
  /** Address to bind; default all interfaces (IPv6 and IPv4). */
  bindHost?: string;
  handshakeTimeoutMs: number;
  /** Handshakes in progress at once; past it the oldest is dropped to make room. */
  maxPending?: number;
}

interface Waiter {
  resolve(bytestream: Bytestream): void;
  reject(err: Error): void;
}

export async function listenStreamhost(opts: ListenOptions): Promise<StreamhostListenerPort> {
  const waiters = new Map<string, Waiter>();
  const handshaking = new Set<net.Socket>();
  const maxPending = opts.maxPending ?? 16;

  const server = net.createServer((socket) => {
    if (waiters.size === 0) return void socket.destroy();
    // Issue 10 #7: refusing newcomers when full let 16 silent connections lock the real target out
    // for the whole handshake timeout. The oldest unfinished handshake goes instead: the target
    // completes its handshake within a round trip, so only a flood faster than that can push it out.
    if (handshaking.size >= maxPending) evictOldest(handshaking);
    handshaking.add(socket);
    socket.on('error', () => socket.destroy()); // a failing stranger is dropped; acceptSocks5 reports its own errors
    let claimed: Waiter | undefined;
    acceptSocks5(socket, {
      timeoutMs: opts.handshakeTimeoutMs,
      onConnect: (dstAddr, dstPort) => {
        if (dstPort !== 0) return false; // XEP-0065 §5.3.2: DST.PORT is 0 (our proxy checks it too)
        claimed = waiters.get(dstAddr);
        waiters.delete(dstAddr);
        return claimed !== undefined;
      },
    }).then(
      () => {
        handshaking.delete(socket);
        socket.setNoDelay(true);
        if (claimed) claimed.resolve(acceptedBytestream(socket));
      },
      (err: Error) => {
        handshaking.delete(socket);
        socket.destroy();
        claimed?.reject(new Xep65Error('no-streamhost', `the target's SOCKS5 handshake failed: ${err.message}`, { cause: err }));
      },
    );
  });

  await bind(server, opts.port, opts.bindHost);
  const address = server.address() as net.AddressInfo;

  return {
    port: address.port,
    expect(dstAddr, signal) {
      return new Promise<Bytestream>((resolve, reject) => {
        if (signal?.aborted) return reject(new Xep65Error('aborted', 'cancelled'));
        const onAbort = () => {
          if (waiters.get(dstAddr) === waiter) waiters.delete(dstAddr);
          reject(new Xep65Error('aborted', 'cancelled'));
        };
        const waiter: Waiter = {
          resolve: (s) => (signal?.removeEventListener('abort', onAbort), resolve(s)),
          reject: (e) => (signal?.removeEventListener('abort', onAbort), reject(e)),
        };
        waiters.set(dstAddr, waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    close() {
      for (const socket of handshaking) socket.destroy();
      for (const waiter of waiters.values()) waiter.reject(new Xep65Error('aborted', 'streamhost closed'));
      waiters.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function evictOldest(handshaking: Set<net.Socket>): void {
  const oldest = handshaking.values().next().value;
  if (!oldest) return;
  handshaking.delete(oldest);
  oldest.destroy();
}

/** Binds to `host`, or to all interfaces: '::' (dual stack) falling back to '0.0.0.0'. */
export async function bind(server: net.Server, port: number, host: string | undefined): Promise<void> {
  const attempt = (h: string) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: h }, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
  try {
    await attempt(host ?? '::');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (host === undefined && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) return attempt('0.0.0.0');
    throw new Xep65Error('io', `cannot listen on port ${port}: ${(err as Error).message}`, { cause: err });
  }
}

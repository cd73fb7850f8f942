// The SOCKS5 side of our proxy (XEP-0065 §6.3.2-§6.3.5, §9.1 "StreamHost Requirements", §11.3
// "Denial of Service"; RFC 1928). Accepts only CONNECT with ATYP 3, a 40-hex-digit DST.ADDR and
// port 0 (§9.2), replies echoing DST.ADDR, and never connects anywhere: it only pairs the two
// connections that carry the same DST.ADDR (target first, then requester) and relays them once
// the requester's activation names that hash. Bytes sent before activation are read and dropped
// (§9.1: "Ignore any bytes sent before the bytestream is activated"); connections not activated
// in time are closed; connections are limited in total and per address.
import { setMaxListeners } from 'node:events';
import net from 'node:net';
import { Xep65Error } from '../errors.js';
import type { ActivationOutcome, ActivationRequest, ProxyRelayPort } from '../session/ports.js';
import type { ProxyCounters } from '../session/proxy-events.js';
import { acceptSocks5 } from './socks5-server.js';
import { relay } from './relay.js';
import { bind } from './streamhost-listener.js';

export interface ProxyRelayOptions {
  port: number;
  /** Address to bind; default all interfaces. */
  bindHost?: string;
  handshakeTimeoutMs: number;
  /** A connection not activated this long after its handshake is closed (ejabberd: 60 s). */
  activationTimeoutMs: number;
  maxConnections: number;
  maxPerAddress: number;
  /** Unfinished handshakes one address may have before those older than 1 s are dropped (default 16). */
  maxHandshakesPerAddress?: number;
  maxActive: number;
  onStreamClosed(record: StreamRecord): void;
  onConnectionRefused(peer: string, reason: string): void;
  onConnectionExpired(peer: string, dstAddr: string, seconds: number): void;
}

export interface StreamRecord extends ActivationRequest {
  /** Bytes from the requester's connection to the target's, and back. */
  bytes: number;
  bytesBack: number;
  seconds: number;
  reason: string;
}

export type RelayCounters = Omit<ProxyCounters, 'forbidden' | 'failedActivations'>;

export interface ProxyRelay extends ProxyRelayPort {
  readonly port: number;
  counters(): RelayCounters;
  /** Stops listening and closes every connection, relaying or not. */
  close(): Promise<void>;
}

interface Party {
  socket: net.Socket;
  peer: string;
  /** The client's IP address, for the per-address limit. */
  address: string;
  connectedAt: number;
  timer: NodeJS.Timeout;
}

interface Pair {
  target: Party;
  requester?: Party;
  active: boolean;
}

const DST_ADDR = /^[0-9a-f]{40}$/;
/** Under pressure from one address, an unfinished handshake older than this is dropped. */
const HANDSHAKE_GRACE_MS = 1_000;

export async function listenProxyRelay(opts: ProxyRelayOptions): Promise<ProxyRelay> {
  const pairs = new Map<string, Pair>();
  const sockets = new Set<net.Socket>();
  const perAddress = new Map<string, number>();
  const handshaking = new Map<string, Map<net.Socket, number>>();
  const shutdown = new AbortController();
  // Every open socket's handshake or relay listens to it, each at most once: that is the bound.
  setMaxListeners(opts.maxConnections + 1, shutdown.signal);
  const totals = { activated: 0, completed: 0, refusedConnections: 0, expired: 0, bytesRelayed: 0, active: 0 };

  const refuse = (peer: string, reason: string) => {
    totals.refusedConnections++;
    opts.onConnectionRefused(peer, reason);
  };

  /** Registers a handshaking connection under its DST.ADDR; false refuses it (RFC 1928 reply 2). */
  const register = (socket: net.Socket, peer: string, address: string, dst: string, port: number): boolean => {
    const why = !DST_ADDR.test(dst) ? 'DST.ADDR is not 40 lowercase hex digits' : port !== 0 ? `DST.PORT is ${port}, not 0` : undefined;
    if (why) return refuse(peer, why), false;
    const pair = pairs.get(dst);
    if (pair && (pair.requester || pair.active)) return refuse(peer, `a third connection for DST.ADDR ${dst}`), false;
    const party: Party = { socket, peer, address, connectedAt: Date.now(), timer: expireLater(socket, peer, dst) };
    if (pair) pair.requester = party;
    else pairs.set(dst, { target: party, active: false });
    return true;
  };

  const expireLater = (socket: net.Socket, peer: string, dst: string) =>
    setTimeout(() => {
      totals.expired++;
      opts.onConnectionExpired(peer, dst, opts.activationTimeoutMs / 1000);
      socket.destroy();
    }, opts.activationTimeoutMs);

  /** A waiting party that leaves is forgotten; its partner keeps waiting (until its own timeout). */
  const forget = (dst: string, socket: net.Socket) => {
    const pair = pairs.get(dst);
    if (!pair || pair.active) return;
    if (pair.requester?.socket === socket) {
      clearTimeout(pair.requester.timer);
      delete pair.requester;
    } else if (pair.target.socket === socket) {
      clearTimeout(pair.target.timer);
      if (pair.requester) pairs.set(dst, { target: pair.requester, active: false });
      else pairs.delete(dst);
    }
  };

  /**
   * Silent or slow connections from one address (a NAT) cannot hold its whole share through the
   * handshake timeout: once it has maxHandshakesPerAddress unfinished ones, a newcomer drops
   * those that have been at it for more than HANDSHAKE_GRACE_MS (a real client finishes within a
   * round trip, so a burst of honest ones is never cut). Returns the release for when the
   * handshake ends either way.
   */
  const handshakeSlot = (address: string, socket: net.Socket) => {
    const mine = handshaking.get(address) ?? new Map<net.Socket, number>();
    handshaking.set(address, mine);
    const now = performance.now();
    if (mine.size >= (opts.maxHandshakesPerAddress ?? 16)) {
      for (const [old, since] of mine) {
        if (now - since <= HANDSHAKE_GRACE_MS) break; // insertion order: the rest are younger
        mine.delete(old);
        old.destroy();
      }
    }
    mine.set(socket, now);
    return () => {
      mine.delete(socket);
      if (mine.size === 0 && handshaking.get(address) === mine) handshaking.delete(address);
    };
  };

  /** Counts a socket as open until it closes (adopted sockets replace their originals here). */
  const track = (socket: net.Socket, address: string, onClose?: () => void) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
      onClose?.();
    });
  };

  const server = net.createServer((socket) => {
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const address = socket.remoteAddress ?? '?';
    if (sockets.size >= opts.maxConnections) return refuse(peer, `${opts.maxConnections} connections open`), void socket.destroy();
    if ((perAddress.get(address) ?? 0) >= opts.maxPerAddress) {
      return refuse(peer, `${opts.maxPerAddress} connections open from ${address}`), void socket.destroy();
    }
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    socket.on('error', () => undefined); // reported through the handshake, the relay or 'close'
    let dst: string | undefined;
    track(socket, address, () => dst !== undefined && forget(dst, socket));
    const done = handshakeSlot(address, socket);
    acceptSocks5(socket, {
      timeoutMs: opts.handshakeTimeoutMs,
      signal: shutdown.signal,
      onConnect: (d, port) => {
        if (!register(socket, peer, address, d, port)) return false;
        dst = d;
        return true;
      },
    }).finally(done).then(
      () => {
        if (pairs.get(dst!)?.active) return; // activated between the reply and this callback: the relay owns it
        socket.on('data', ignore);
        socket.resume();
      },
      (err: Error) => {
        if (dst === undefined && !(err instanceof Xep65Error && err.reason === 'dst-addr-refused')) refuse(peer, err.message);
        socket.destroy();
      },
    );
  });

  await bind(server, opts.port, opts.bindHost);

  const activate = (request: ActivationRequest): ActivationOutcome => {
    const pair = pairs.get(request.dstAddr);
    if (!pair) return 'unknown';
    if (pair.active) return 'already-active';
    if (!pair.requester) return 'one-party';
    if (totals.active >= opts.maxActive) return 'limit';
    const { target, requester } = pair;
    pair.active = true;
    totals.activated++;
    totals.active++;
    for (const p of [target, requester]) {
      clearTimeout(p.timer);
      p.socket.off('data', ignore);
      p.socket.setNoDelay(true);
    }
    const started = performance.now();
    const replace = (old: Party, fresh: net.Socket) => {
      if (old.socket === fresh) return;
      sockets.delete(old.socket);
      track(fresh, old.address);
    };
    const onSockets = (r: net.Socket, t: net.Socket) => (replace(requester, r), replace(target, t));
    void relay(requester.socket, target.socket, { signal: shutdown.signal, onSockets }).then((r) => {
      pairs.delete(request.dstAddr);
      totals.active--;
      totals.completed++;
      totals.bytesRelayed += r.aToB + r.bToA;
      const seconds = (performance.now() - started) / 1000;
      opts.onStreamClosed({ ...request, bytes: r.aToB, bytesBack: r.bToA, seconds, reason: r.reason });
    });
    return 'activated';
  };

  return {
    port: (server.address() as net.AddressInfo).port,
    activate,
    counters: () => {
      const waiting = [...pairs.values()].reduce((n, p) => n + (p.active ? 0 : p.requester ? 2 : 1), 0);
      const { active, ...rest } = totals;
      return { connections: sockets.size, waiting, active, ...rest };
    },
    close() {
      shutdown.abort(new Xep65Error('aborted', 'proxy shutting down'));
      for (const socket of sockets) socket.destroy();
      for (const pair of pairs.values()) for (const p of [pair.target, pair.requester]) if (p) clearTimeout(p.timer);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Bytes before activation are dropped (§9.1), but read, so a closing client is noticed. */
function ignore(): void {}

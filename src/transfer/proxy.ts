// The `proxy` use case: an XEP-0065 proxy run as an XEP-0114 external component. The SOCKS5
// side (transport/proxy-relay.ts) listens, the XMPP side (session/proxy-service.ts) answers
// disco, the network-address query and activations. A lost component connection is retried with
// backoff while streams keep relaying; a refused secret at start is final.
import { Xep65Error } from '../errors.js';
import { connectComponent, type ComponentSession } from '../xmpp/component.js';
import type { ServerAddress } from '../xmpp/server-address.js';
import { serveProxy } from '../session/proxy-service.js';
import { createProxyPolicy, type ProxyPolicyRules } from '../session/proxy-policy.js';
import type { ProxyCounters, ProxyEventSink } from '../session/proxy-events.js';
import { listenProxyRelay, type ProxyRelay } from '../transport/proxy-relay.js';
import { TIMEOUTS } from './timeouts.js';

export interface ProxyRequest {
  component: { jid: string; secret: string; server: ServerAddress };
  /** Where the SOCKS5 side listens; host undefined: all interfaces. */
  listen: { host?: string; port: number };
  /** The network address we tell requesters (§4); port undefined: the port we listen on. */
  streamhost: { host: string; port?: number };
  policy: ProxyPolicyRules;
  activationTimeoutMs: number;
  maxConnections: number;
  maxPerAddress: number;
  maxActive: number;
  onEvent: ProxyEventSink;
  signal: AbortSignal;
}

export interface RunningProxy {
  counters(): ProxyCounters;
  /** Resolves with the final counters once the signal aborted and everything is closed. */
  done: Promise<ProxyCounters>;
}

export async function startProxy(req: ProxyRequest): Promise<RunningProxy> {
  const isAllowed = createProxyPolicy(req.policy);
  const refusals = { forbidden: 0, failedActivations: 0 };
  const relay = await listenProxyRelay({
    port: req.listen.port,
    ...(req.listen.host !== undefined ? { bindHost: req.listen.host } : {}),
    handshakeTimeoutMs: TIMEOUTS.handshakeMs,
    activationTimeoutMs: req.activationTimeoutMs,
    maxConnections: req.maxConnections,
    maxPerAddress: req.maxPerAddress,
    maxActive: req.maxActive,
    onStreamClosed: (r) => req.onEvent({ kind: 'stream-closed', ...r }),
    onConnectionRefused: (peer, reason) => req.onEvent({ kind: 'connection-refused', peer, reason }),
    onConnectionExpired: (peer, dstAddr, seconds) => req.onEvent({ kind: 'connection-expired', peer, dstAddr, seconds }),
  });
  const counters = (): ProxyCounters => ({ ...relay.counters(), ...refusals });
  const streamhost = { host: req.streamhost.host, port: req.streamhost.port ?? relay.port };
  const connect = async (): Promise<ComponentSession> => {
    const session = await connectComponent({ ...req.component, timeoutMs: TIMEOUTS.loginMs, signal: req.signal });
    serveProxy(session, {
      ...streamhost,
      isAllowed,
      relay: {
        activate: (a) => {
          const outcome = relay.activate(a);
          if (outcome === 'activated') req.onEvent({ kind: 'stream-activated', sid: a.sid, requester: a.requester, target: a.target, dstAddr: a.dstAddr });
          return outcome;
        },
      },
      onEvent: req.onEvent,
      onRefusal: (kind) => (kind === 'forbidden' ? refusals.forbidden++ : refusals.failedActivations++),
    });
    return session;
  };

  let session: ComponentSession;
  try {
    session = await connect();
  } catch (err) {
    await relay.close();
    throw err;
  }
  req.onEvent({ kind: 'proxy-ready', jid: req.component.jid, listen: `${req.listen.host ?? '*'}:${relay.port}`, streamhost });
  return { counters, done: serve(session, connect, relay, req).then(counters) };
}

/** Keeps the component connected until the signal aborts (or the secret is refused), then closes both sides. */
async function serve(first: ComponentSession, connect: () => Promise<ComponentSession>, relay: ProxyRelay, req: ProxyRequest): Promise<void> {
  const state: { session?: ComponentSession } = { session: first };
  try {
    await keepConnected(state, connect, req);
  } finally {
    await Promise.all([state.session?.close(), relay.close()]);
  }
}

async function keepConnected(state: { session?: ComponentSession }, connect: () => Promise<ComponentSession>, req: ProxyRequest): Promise<void> {
  let delay: number = TIMEOUTS.reconnectMinMs;
  while (!req.signal.aborted) {
    if (!state.session) {
      try {
        state.session = await connect();
        delay = TIMEOUTS.reconnectMinMs;
        req.onEvent({ kind: 'component-online', jid: req.component.jid });
      } catch (err) {
        if (req.signal.aborted) return;
        if (err instanceof Xep65Error && err.code === 'auth') throw err;
        req.onEvent({ kind: 'component-lost', error: err as Error, retrySeconds: delay / 1000 });
        await sleep(delay, req.signal);
        delay = Math.min(delay * 2, TIMEOUTS.reconnectMaxMs);
        continue;
      }
    }
    const lost = await untilLostOrAborted(state.session, req.signal);
    if (lost) {
      req.onEvent({ kind: 'component-lost', error: lost, retrySeconds: delay / 1000 });
      delete state.session;
      await sleep(delay, req.signal);
    }
  }
}

function untilLostOrAborted(session: ComponentSession, signal: AbortSignal): Promise<Xep65Error | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(undefined);
    signal.addEventListener('abort', () => resolve(undefined), { once: true });
    session.onClosed((error) => resolve(error));
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

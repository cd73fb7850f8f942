// The XMPP client connection (RFC 6120): TCP, mandatory STARTTLS (§5) with our CA and the JID's
// domain as SNI and certificate name, SASL SCRAM-SHA-1/PLAIN (§6), resource binding (§7).
// Assembled from xmpp.js parts rather than @xmpp/client so we can pass a CA, refuse plaintext
// and fix UTF-8 split across reads, without patching the library (FIELD-NOTES).
import tls from 'node:tls';
import { Client } from '@xmpp/client-core';
import tcp from '@xmpp/tcp';
import middlewareFactory from '@xmpp/middleware';
import streamFeaturesFactory from '@xmpp/stream-features';
import iqCallerFactory from '@xmpp/iq/caller.js';
import iqCalleeFactory from '@xmpp/iq/callee.js';
import sasl from '@xmpp/sasl';
import plain from '@xmpp/sasl-plain';
import resourceBinding from '@xmpp/resource-binding';
import SASLFactory from 'saslmechanisms';
import TlsSocket from '@xmpp/tls/lib/Socket.js';
import xml, { type Element } from '@xmpp/xml';
import { Xep65Error } from '../errors.js';
import { bareJid, parseJid } from '../stanzas/jid.js';
import { NS_SASL, NS_TLS } from '../stanzas/ns.js';
import { createIqRequester } from './iq-requests.js';
import { mapConnectError } from './connect-errors.js';
import { useScramSha1, type ScramSha1 } from './scram-sha-1.js';
import { alignRecords, type RecordAlignment } from './record-alignment.js';
import { ackNudge } from './ack-nudge.js';
import { destroySocket, fixUtf8Decoding, withDeadline } from './entity.js';
import { redactedXml, type XmlTrace } from './trace.js';
import type { ServerAddress } from './server-address.js';
export type { ServerAddress } from './server-address.js';
import type { IqHandler, PresencePort, XmppPort } from '../session/ports.js';

/** How long a closing stream waits for the server's </stream> before the socket is dropped. */
const STOP_WAIT_MS = 2_000;
const DEFAULT_IQ_TIMEOUT_MS = 30_000;

export interface ConnectOptions {
  /** Bare JID of the account. */
  jid: string;
  password: string;
  resource: string;
  /** Where to connect; the stream, SNI and certificate check still use the JID's domain. */
  server: ServerAddress;
  /** Extra trusted CA certificates (PEM), on top of the system's. */
  ca?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** -vv: told every element sent and received, credentials hidden. */
  trace?: XmlTrace;
}

export interface XmppSession extends XmppPort, PresencePort {
  /** Called once if the connection ends without close() (server gone, stream error). */
  onClosed(listener: (error: Xep65Error) => void): void;
  close(): Promise<void>;
}

export async function connectXmpp(opts: ConnectOptions): Promise<XmppSession> {
  const { local, domain } = parseJid(opts.jid);
  const entity = new Client({ domain, service: `xmpp://${formatHost(opts.server.host)}:${opts.server.port}`, timeout: opts.timeoutMs });
  let boundJid = '';
  let alignment: RecordAlignment | undefined;
  const nudge = ackNudge(() => (entity.socket as { write?(s: string): void } | null)?.write?.(' '));
  fixUtf8Decoding(entity, () => nudge.received());
  captureBoundJid(entity, (jid) => (boundJid = jid));

  tcp({ entity });
  const middleware = middlewareFactory({ entity });
  const streamFeatures = streamFeaturesFactory({ middleware });
  const iqCaller = iqCallerFactory({ middleware, entity });
  const iqCallee = iqCalleeFactory({ middleware, entity });
  streamFeatures.use('starttls', NS_TLS, async ({ entity: e }, next) => {
    if (e.isSecure()) return next();
    // Small stanzas answered by small stanzas (IBB data and its acks): Nagle's algorithm with
    // delayed ACKs would add ~40 ms to each round trip.
    (e.socket as import('node:net').Socket).setNoDelay(true);
    const answer = await e.sendReceive(xml('starttls', { xmlns: NS_TLS }));
    if (!answer.is('proceed', NS_TLS)) throw new Xep65Error('connection', 'the server refused STARTTLS');
    const tlsSocket = await upgradeToTls(e.socket, domain, opts.ca);
    alignment = alignRecords(tlsSocket as unknown as Parameters<typeof alignRecords>[0]);
    noteWrites(tlsSocket as unknown as Parameters<typeof noteWrites>[0], () => nudge.wrote());
    // TLS 1.3 session tickets come after the handshake and are no data for us, but the server's
    // next write (the stream's features) waits for their ACK all the same.
    (tlsSocket as unknown as { socket: tls.TLSSocket }).socket.on('session', () => nudge.received());
    e._attachSocket(tlsSocket);
    const restarted = e.restart(); // writes the new stream header before it returns
    nudge.enable();
    await restarted;
  });
  const saslFactory = new SASLFactory();
  let scram: ScramSha1 | undefined;
  useScramSha1(saslFactory, (m) => (scram = m));
  plain(saslFactory);
  sasl({ streamFeatures, saslFactory }, async (done, mechanisms, _fast, e) => {
    nudge.disable(); // its success restarts the stream
    if (!e.isSecure()) throw new Xep65Error('connection', 'the server offered no TLS; refusing to send the password in plaintext');
    await done({ username: local, password: opts.password }, mechanisms[0] ?? 'PLAIN');
  });
  resourceBinding({ streamFeatures, iqCaller }, opts.resource);

  let closing = false;
  let lastError: unknown;
  const closedListeners: Array<(error: Xep65Error) => void> = [];
  entity.on('error', (err: unknown) => (lastError = err));
  if (opts.trace) {
    const trace = opts.trace;
    entity.on('element', (el: Element) => trace('in', redactedXml(el)));
    entity.on('send', (el: Element) => trace('out', redactedXml(el)));
  }
  entity.on('element', (el: Element) => {
    if (!el.is('success', NS_SASL) || !scram) return;
    try {
      scram.verifyServerFinal(Buffer.from(el.getText(), 'base64').toString('utf8'));
    } catch (err) {
      entity.emit('error', new Xep65Error('auth', (err as Error).message));
    }
  });
  const requester = createIqRequester(middleware, (s) => entity.send(s), () => ({ bare: bareJid(boundJid), domain }));
  entity.on('disconnect', () => {
    if (closing) return;
    const error = new Xep65Error('connection', 'the connection to the server was lost', { cause: lastError });
    requester.failAll(error);
    closedListeners.splice(0).forEach((l) => l(error));
  });

  entity.once('online', () => nudge.enable());
  try {
    await withDeadline(entity.start(), opts.timeoutMs, opts.signal);
  } catch (err) {
    // A server that does not answer our </stream> would hold stop() for the whole timeout.
    await withDeadline(entity.stop(), STOP_WAIT_MS).catch(() => destroySocket(entity.socket));
    throw mapConnectError(err ?? lastError, opts.server, domain);
  }

  return {
    get jid() {
      return boundJid;
    },
    domain,
    get: (to, payload, o) => requester.request('get', to, payload, o?.timeoutMs ?? DEFAULT_IQ_TIMEOUT_MS, o?.signal),
    set: (to, payload, o) => requester.request('set', to, payload, o?.timeoutMs ?? DEFAULT_IQ_TIMEOUT_MS, o?.signal),
    handle(type, ns, name, handler: IqHandler) {
      iqCallee[type](ns, name, (ctx) => handler({ from: String(ctx.stanza.attrs.from ?? ''), element: ctx.element }));
    },
    bulkWrites: () => alignment?.hold() ?? (() => {}),
    sendPresence: (presence) => entity.send(presence),
    onPresence(listener) {
      const onElement = (el: Element) => (el.is('presence') ? listener(el) : undefined);
      entity.on('element', onElement);
      return () => void entity.off('element', onElement);
    },
    onClosed: (listener) => void closedListeners.push(listener),
    async close() {
      closing = true;
      requester.failAll(new Xep65Error('aborted', 'the connection was closed'));
      await withDeadline(entity.stop(), STOP_WAIT_MS).catch(() => destroySocket(entity.socket));
    },
  };
}

async function upgradeToTls(socket: unknown, domain: string, ca: string | undefined): Promise<TlsSocket> {
  const tlsSocket = new TlsSocket();
  const connected = new Promise<void>((resolve, reject) => {
    tlsSocket.once('connect', resolve);
    tlsSocket.once('error', reject);
  });
  tlsSocket.connect({
    socket: socket as import('node:net').Socket,
    host: domain,
    servername: isIp(domain) ? undefined : domain,
    ...(ca ? { secureContext: contextTrusting(ca) } : {}),
  });
  await connected;
  return tlsSocket;
}

/**
 * The system's roots and `ca`. `ca: [...tls.rootCertificates, ca]` parses all ~140 PEM roots
 * again (25 ms, a tenth of a small send); adding `ca` to a default context reuses the roots
 * Node has parsed already (1 ms). Where that internal method is missing, the documented way.
 */
function contextTrusting(ca: string): tls.SecureContext {
  const context = tls.createSecureContext();
  const native = (context as unknown as { context?: { addCACert?(pem: string): void } }).context;
  if (typeof native?.addCACert !== 'function') return tls.createSecureContext({ ca: [...tls.rootCertificates, ca] });
  native.addCACert(ca);
  return context;
}

/** xmpp.js normalises the bound JID; the XEP-0065 hash needs it exactly as the server sent it. */
function captureBoundJid(entity: Client, set: (jid: string) => void): void {
  const original = entity._jid.bind(entity);
  entity._jid = (id: string) => {
    set(id);
    return original(id);
  };
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Calls `wrote` on every write of the TLS socket wrapper (the ACK nudge needs none after one). */
function noteWrites(wrapper: { write(data: string, fn?: () => void): void }, wrote: () => void): void {
  const write = wrapper.write.bind(wrapper);
  wrapper.write = (data, fn) => {
    wrote();
    write(data, fn);
  };
}

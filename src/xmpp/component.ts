// XEP-0114 (Jabber Component Protocol) §3: an external component's connection to its server:
// open a stream in 'jabber:component:accept' to the component's domain, prove the shared secret
// with <handshake>hex(SHA-1(stream id + secret))</handshake>, then exchange stanzas stamped with
// the component's JID. Built on xmpp.js's TCP connection: @xmpp/component-core stops at 0.13.
import { createHash } from 'node:crypto';
import ConnectionTCP from '@xmpp/connection-tcp';
import middlewareFactory from '@xmpp/middleware';
import iqCalleeFactory from '@xmpp/iq/callee.js';
import xml, { type Element } from '@xmpp/xml';
import { Xep65Error } from '../errors.js';
import type { IqHandler, XmppServicePort } from '../session/ports.js';
import { mapConnectError } from './connect-errors.js';
import type { ServerAddress } from './server-address.js';
import { destroySocket, fixUtf8Decoding, withDeadline } from './entity.js';

const NS_COMPONENT = 'jabber:component:accept';

export interface ComponentOptions {
  /** The component's JID: a domain the server routes to us (e.g. proxy.example.org). */
  jid: string;
  secret: string;
  server: ServerAddress;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ComponentSession extends XmppServicePort {
  /** Called once if the connection ends without close() (server gone, stream error). */
  onClosed(listener: (error: Xep65Error) => void): void;
  close(): Promise<void>;
}

class ComponentConnection extends ConnectionTCP {}
ComponentConnection.prototype.NS = NS_COMPONENT;

/** The handshake value of XEP-0114 §3 (Example 2): lowercase hex SHA-1 of stream id + secret. */
export function handshakeDigest(streamId: string, secret: string): string {
  return createHash('sha1').update(streamId + secret, 'utf8').digest('hex');
}

export async function connectComponent(opts: ComponentOptions): Promise<ComponentSession> {
  const entity = new ComponentConnection({ domain: opts.jid, timeout: opts.timeoutMs });
  fixUtf8Decoding(entity);
  const middleware = middlewareFactory({ entity });
  const iqCallee = iqCalleeFactory({ middleware, entity });
  let lastError: unknown;
  let closing = false;
  const closedListeners: Array<(error: Xep65Error) => void> = [];
  entity.on('error', (err: unknown) => (lastError = err));
  entity.on('disconnect', () => {
    if (closing) return;
    const error = new Xep65Error('connection', 'the connection to the server was lost', { cause: lastError });
    closedListeners.splice(0).forEach((l) => l(error));
  });

  try {
    await withDeadline(handshake(entity, opts), opts.timeoutMs, opts.signal);
  } catch (err) {
    closing = true;
    destroySocket(entity.socket);
    throw mapComponentError(lastError ?? err, opts);
  }

  return {
    jid: opts.jid,
    handle(type, ns, name, handler: IqHandler) {
      iqCallee[type](ns, name, (ctx) => handler({ from: String(ctx.stanza.attrs.from ?? ''), element: ctx.element }));
    },
    onClosed: (listener) => void closedListeners.push(listener),
    async close() {
      closing = true;
      await withDeadline(entity.stop(), 2_000).catch(() => destroySocket(entity.socket));
    },
  };
}

async function handshake(entity: ComponentConnection, opts: ComponentOptions): Promise<void> {
  const host = opts.server.host.includes(':') ? `[${opts.server.host}]` : opts.server.host;
  await entity.connect(`xmpp://${host}:${opts.server.port}`);
  const header: Element = await entity.open({ domain: opts.jid });
  const id = header.attrs.id;
  if (typeof id !== 'string' || id === '') throw new Xep65Error('connection', 'the server opened the component stream without an id');
  const answer = await entity.sendReceive(xml('handshake', {}, handshakeDigest(id, opts.secret)));
  if (!answer.is('handshake')) throw new Xep65Error('connection', `the server answered the handshake with <${answer.name}/>`);
  entity._jid(opts.jid);
  entity._status('online', entity.jid);
}

/** A refused secret or an unknown component name is the operator's to fix: say which. */
function mapComponentError(err: unknown, opts: ComponentOptions): Xep65Error {
  const condition = (err as { condition?: string } | undefined)?.condition;
  const where = `${opts.server.host}:${opts.server.port}`;
  if (condition === 'not-authorized') {
    return new Xep65Error('auth', `the server at ${where} refused the secret for component ${opts.jid}`, { cause: err });
  }
  if (condition === 'host-unknown' || condition === 'improper-addressing') {
    return new Xep65Error('connection', `the server at ${where} has no component named ${opts.jid} (${condition})`, { cause: err });
  }
  if (condition === 'conflict') {
    return new Xep65Error('connection', `component ${opts.jid} is already connected to ${where}`, { cause: err });
  }
  return mapConnectError(err, opts.server, opts.jid);
}

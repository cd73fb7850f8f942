// The offering side of a file transfer, played by the test (test/hostile/): a real XMPP login
// (our own client code) that sends SI offers with any attribute values, then either serves the
// bytes from a SOCKS5 streamhost it runs itself (writing exactly what a case wants, split as it
// wants) or sends IBB packets with any seq, sid and payload. Nothing here checks the peer: the
// receiver under test does the checking.
import net from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import xml, { type Element } from '@xmpp/xml';
import { connectAccount } from '../../src/xmpp/connect-account.js';
import type { XmppSession } from '../../src/xmpp/connect.js';
import { buildStreamhostOffer } from '../../src/stanzas/bytestreams.js';
import { dstAddr } from '../../src/socks5/dst-addr.js';
import { NS_BYTESTREAMS, NS_DATA, NS_FEATURE_NEG, NS_IBB, NS_SI, NS_SI_FILE } from '../../src/stanzas/ns.js';
import type { IqError } from '../../src/stanzas/iq-error.js';
import type { PrivateProsody } from './prosody.js';

/** The <file/> attributes exactly as they go on the wire (sizes as text, so '1e3' and '-1' can be sent). */
export interface RawFile {
  name: string;
  size: string;
  hash?: string;
}

/** An IQ's outcome: true for a result, else the error condition. */
export type IqOutcome = true | string;

/** How the receiver ended the SOCKS5 connection: 'fin' (orderly: saved) or 'reset' (failed). */
export type CloseHow = 'fin' | 'reset' | 'close';

export interface RawOfferer {
  readonly jid: string;
  /** Sends an SI offer; resolves with the method the receiver chose, or the error condition. */
  offer(to: string, file: RawFile, methods?: string[]): Promise<{ sid: string; method?: string; condition?: string }>;
  /**
   * Offers our streamhost for `sid` and, once the target's handshake is done and it answered
   * streamhost-used, hands the socket to `send`. Resolves with how the receiver closed.
   * `glue`: bytes written in the same write as the SOCKS5 success reply, before streamhost-used.
   */
  socks5(to: string, sid: string, send: (socket: net.Socket) => Promise<void>, opts?: { glue?: Buffer }): Promise<CloseHow>;
  /** One IQ with an IBB element built from raw attributes. */
  ibb(to: string, name: 'open' | 'data' | 'close', attrs: Record<string, string>, text?: string): Promise<IqOutcome>;
  /** A raw IQ set, for payloads the builders above do not make. */
  set(to: string, payload: Element): Promise<IqOutcome>;
  close(): Promise<void>;
}

export const newSid = (): string => `h${randomBytes(6).toString('hex')}`;

const conditionOf = (err: unknown): string => (err as IqError).condition ?? String((err as Error).message);

export async function connectOfferer(prosody: PrivateProsody, user: string, password: string, resource = 'hostile'): Promise<RawOfferer> {
  const [host, port] = prosody.server.split(':');
  const session: XmppSession = await connectAccount({
    jid: `${user}@${prosody.domain}`,
    password,
    resource,
    server: { host: host!, port: Number(port) },
    ca: await readFile(prosody.caFile, 'utf8'),
    timeoutMs: 20_000,
  });
  const streamhost = await rawStreamhost();
  const set = (to: string, payload: Element): Promise<IqOutcome> =>
    session.set(to, payload, { timeoutMs: 20_000 }).then(
      () => true as const,
      (err: unknown) => conditionOf(err),
    );

  return {
    get jid() {
      return session.jid;
    },
    async offer(to, file, methods = [NS_BYTESTREAMS]) {
      const sid = newSid();
      try {
        const answer = await session.set(to, buildRawOffer(sid, file, methods), { timeoutMs: 20_000 });
        const method = answer?.getChild('feature', NS_FEATURE_NEG)?.getChild('x', NS_DATA)?.getChild('field')?.getChildText('value') ?? undefined;
        return { sid, ...(method ? { method } : {}) };
      } catch (err) {
        return { sid, condition: conditionOf(err) };
      }
    },
    async socks5(to, sid, send, opts = {}) {
      const hash = dstAddr(sid, session.jid, to);
      // How the receiver closes is watched from the moment it connected (with `glue` it may be done before streamhost-used).
      const connected = streamhost.expect(hash, opts.glue).then((socket) => ({ socket, closed: closeOf(socket) }));
      const offer = buildStreamhostOffer({ sid, mode: 'tcp', streamhosts: [{ jid: session.jid, host: '127.0.0.1', port: streamhost.port }] });
      const [{ socket, closed }] = await Promise.all([connected, session.set(to, offer, { timeoutMs: 20_000 })]);
      await send(socket);
      return closed;
    },
    ibb: (to, name, attrs, text) => set(to, xml(name, { xmlns: NS_IBB, ...attrs }, ...(text === undefined ? [] : [text]))),
    set,
    async close() {
      streamhost.close();
      await session.close();
    },
  };
}

function buildRawOffer(sid: string, file: RawFile, methods: string[]): Element {
  return xml(
    'si',
    { xmlns: NS_SI, id: sid, profile: NS_SI_FILE },
    xml('file', { xmlns: NS_SI_FILE, name: file.name, size: file.size, ...(file.hash ? { hash: file.hash } : {}) }),
    xml(
      'feature',
      { xmlns: NS_FEATURE_NEG },
      xml('x', { xmlns: NS_DATA, type: 'form' }, xml('field', { var: 'stream-method', type: 'list-single' }, ...methods.map((m) => xml('option', {}, xml('value', {}, m))))),
    ),
  );
}

/** Resolves with how the peer ended the connection; the socket is read (and the bytes dropped) so its FIN is seen. */
function closeOf(socket: net.Socket): Promise<CloseHow> {
  return new Promise<CloseHow>((resolve) => {
    socket.once('end', () => resolve('fin'));
    socket.once('error', () => resolve('reset'));
    socket.once('close', () => resolve('close'));
    socket.resume();
  });
}

/** A minimal SOCKS5 server (RFC 1928, XEP-0065 §5.3.2) that hands over the socket of each expected DST.ADDR. */
async function rawStreamhost() {
  const waiting = new Map<string, { glue?: Buffer; resolve(socket: net.Socket): void }>();
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let greeted = false;
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!greeted) {
        if (buf.length < 2 || buf.length < 2 + buf[1]!) return;
        buf = buf.subarray(2 + buf[1]!);
        greeted = true;
        socket.write(Buffer.from([5, 0]));
      }
      if (buf.length < 5 || buf.length < 7 + buf[4]!) return;
      socket.off('data', onData);
      socket.pause();
      const request = buf.subarray(0, 7 + buf[4]!);
      const host = request.subarray(5, 5 + buf[4]!).toString('latin1');
      const entry = waiting.get(host);
      const reply = Buffer.from(request);
      reply[1] = entry ? 0 : 2;
      if (!entry) return void socket.end(reply);
      waiting.delete(host);
      socket.write(entry.glue ? Buffer.concat([reply, entry.glue]) : reply);
      entry.resolve(socket);
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    expect: (hash: string, glue?: Buffer) => new Promise<net.Socket>((resolve) => waiting.set(hash, { ...(glue ? { glue } : {}), resolve })),
    close: () => server.close(),
  };
}

/** Writes and waits until the bytes are handed to the kernel (a write to a closed peer resolves too). */
export function writeNow(socket: net.Socket, data: Buffer): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed || !socket.writable) return resolve();
    socket.write(data, () => resolve());
  });
}

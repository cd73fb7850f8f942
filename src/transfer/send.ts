// The `send` use case: one login for every file of the run (RFC 6120 session), our presence
// with caps (XEP-0115) at priority -1, the recipient's resource when it was named by bare JID
// (session/presence/), what it supports (disco#info or caps) and the proxies (XEP-0065 §4), each
// learnt once per run; then, per file, Jingle File Transfer (XEP-0234) or SI (XEP-0096) with our
// own streamhost and the proxies.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { mediaTypeOf } from './mime-type.js';
import { Xep65Error } from '../errors.js';
import { connectAccount } from '../xmpp/connect-account.js';
import type { XmppSession } from '../xmpp/connect.js';
import { queryPeerInfo } from '../session/peer-features.js';
import { discoverProxies, queryProxy } from '../session/bytestream/proxy-discovery.js';
import { serveJingle, type JingleRouter } from '../session/jingle/router.js';
import { jingleFeatures } from '../session/jingle/support.js';
import { serveClientInfo, FILE_TRANSFER_FEATURES } from '../session/disco-responder.js';
import { watchContact } from '../session/presence/contact-resources.js';
import { chooseRecipient } from './recipient-choice.js';
import { OUR_PRIORITY } from '../session/presence/our-presence.js';
import type { StreamhostListenerPort } from '../session/ports.js';
import type { Streamhost } from '../stanzas/bytestreams.js';
import { parseJid } from '../stanzas/jid.js';
import { NS_IBB } from '../stanzas/ns.js';
import { buildPresence } from '../stanzas/presence.js';
import type { FileInfo } from '../stanzas/si.js';
import { listenStreamhost } from '../transport/streamhost-listener.js';
import { digestsOfFile } from '../transport/file-hash.js';
import { localAddresses } from '../transport/local-addresses.js';
import { TIMEOUTS } from './timeouts.js';
import { phaseTimer } from './phase-timer.js';
import { chooseProtocol, type ProtocolChoice } from './protocol-choice.js';
import { sendBySi } from './send-si.js';
import { sendByJingleTo } from './send-jingle.js';

import type { AdvertisedHost, SendContext, SendRequest, SendResult } from './send-context.js';
export type { AdvertisedHost, ProxyChoice, SendRequest, SendResult } from './send-context.js';

/** What every file of a run shares: the request without the file, and the run's signal. */
export type SendRunOptions = Omit<SendRequest, 'file' | 'name'>;

export interface SendRun {
  /** Resolves the recipient (its resource, what it supports) and the proxies: one error for the run, not one per file. */
  ready(): Promise<void>;
  /** Sends one file; several may be in flight at once, each with its own sid and signal. */
  send(file: string, name: string | undefined, signal: AbortSignal): Promise<SendResult>;
  close(): Promise<void>;
}

interface Recipient {
  jid: string;
  choice: ProtocolChoice;
}

export async function sendFileTo(req: SendRequest): Promise<SendResult> {
  const run = await openSendRun(req);
  try {
    return await run.send(req.file, req.name, req.signal ?? new AbortController().signal);
  } finally {
    await run.close();
  }
}

export async function openSendRun(o: SendRunOptions): Promise<SendRun> {
  const bare = parseJid(o.to).resource === undefined;
  const loginPhase = phaseTimer(o.onEvent);
  const xmpp = await connectAccount(o.account);
  loginPhase('login');
  o.onEvent({ kind: 'logged-in', jid: xmpp.jid });
  let listener: StreamhostListenerPort | undefined;
  try {
    const lost = connectionLost(xmpp);
    const router = serveJingle(xmpp);
    const caps = serveClientInfo(xmpp, [...FILE_TRANSFER_FEATURES, ...(o.ibb ? [NS_IBB] : []), ...jingleFeatures(o.ibb)]);
    const watch = bare ? watchContact(xmpp, o.to, xmpp.jid) : undefined;
    await xmpp.sendPresence(buildPresence(OUR_PRIORITY, caps));
    listener = o.direct.enabled ? await listenStreamhost({ port: o.direct.port, handshakeTimeoutMs: TIMEOUTS.handshakeMs }) : undefined;
    const request = { ...(o.signal ? { signal: o.signal } : {}), timeoutMs: TIMEOUTS.iqMs };
    // Learnt once per run, when the first file needs them; a failure fails every file alike.
    const recipient = once(() => (watch ? resolveBareJid(xmpp, o, watch, request) : resolveFullJid(xmpp, o, request)));
    const proxies = once(() => findProxies(xmpp, o, request));
    const own = listener;
    return {
      ready: async () => void (await Promise.race([Promise.all([recipient(), proxies()]), lost])),
      send: (file, name, signal) => sendOne({ xmpp, router, listener: own, lost, recipient, proxies, o, file, name, signal }),
      async close() {
        watch?.stop();
        await own?.close();
        await xmpp.close();
      },
    };
  } catch (err) {
    await listener?.close();
    await xmpp.close();
    throw err;
  }
}

interface OneFile {
  xmpp: XmppSession;
  router: JingleRouter;
  listener: StreamhostListenerPort | undefined;
  lost: Promise<never>;
  recipient: () => Promise<Recipient>;
  proxies: () => Promise<Streamhost[]>;
  o: SendRunOptions;
  file: string;
  name: string | undefined;
  signal: AbortSignal;
}

async function sendOne(f: OneFile): Promise<SendResult> {
  const phase = phaseTimer(f.o.onEvent);
  const file = await describeFile(f.file, f.name);
  // --hash reads the file while discovery runs, for both protocols' hashes (one read).
  const hashes = f.o.hash ? digestsOfFile(f.file, file.size, ['md5', 'sha256'], f.signal).then(([md5, sha256]) => ({ md5: md5!.toString('hex'), sha256: sha256! })) : undefined;
  const [recipient, proxies, digests] = await Promise.race([Promise.all([f.recipient(), f.proxies(), hashes]), f.lost]);
  f.o.onEvent({ kind: 'protocol', peer: recipient.jid, ...recipient.choice });
  phase(f.o.hash ? 'discovery+hash' : 'discovery');
  const req: SendRequest = { ...f.o, to: recipient.jid, file: f.file, ...(f.name !== undefined ? { name: f.name } : {}), signal: f.signal };
  const direct = ownStreamhosts(f.xmpp.jid, req, f.listener);
  const ctx: SendContext = { xmpp: f.xmpp, req, file, ...(f.listener ? { listener: f.listener } : {}), direct, proxies, ...(digests ? { digests } : {}), lost: f.lost, phase };
  return recipient.choice.protocol === 'jingle' ? sendByJingleTo(ctx, f.router) : sendBySi(ctx);
}

async function resolveFullJid(xmpp: XmppSession, o: SendRunOptions, request: { signal?: AbortSignal; timeoutMs: number }): Promise<Recipient> {
  const info = await queryPeerInfo(xmpp, o.to, request);
  return { jid: o.to, choice: chooseProtocol(o.to, info.features, o.protocol ?? 'auto') };
}

async function resolveBareJid(xmpp: XmppSession, o: SendRunOptions, watch: ReturnType<typeof watchContact>, request: { signal?: AbortSignal; timeoutMs: number }): Promise<Recipient> {
  const chosen = await chooseRecipient(xmpp, o.to, watch, o.protocol ?? 'auto', request);
  o.onEvent({ kind: 'resource-chosen', peer: o.to, jid: chosen.jid, protocol: chosen.protocol, reason: chosen.reason, candidates: chosen.candidates });
  return { jid: chosen.jid, choice: { protocol: chosen.protocol, reason: chosen.protocolReason } };
}

/** A promise made on first call and shared by every later one. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

async function describeFile(filePath: string, name: string | undefined): Promise<FileInfo> {
  const info = await stat(filePath).catch((err: NodeJS.ErrnoException) => {
    throw new Xep65Error('usage', `cannot read ${filePath}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, { cause: err });
  });
  if (!info.isFile()) throw new Xep65Error('usage', `${filePath} is not a regular file`);
  const offered = name ?? path.basename(filePath);
  // XML 1.0 cannot carry these; the server would close our stream.
  if (offered === '' || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(offered)) {
    throw new Xep65Error('usage', `cannot offer the name '${offered}': it is empty or has control characters (use --name)`);
  }
  return { name: offered, size: info.size, mimeType: mediaTypeOf(offered), date: info.mtime.toISOString() };
}

async function findProxies(xmpp: XmppSession, o: SendRunOptions, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<Streamhost[]> {
  if (o.proxies.mode === 'none') return [];
  if (o.proxies.mode === 'discover') {
    const found = await discoverProxies(xmpp, opts);
    o.onEvent({ kind: 'proxies', streamhosts: found });
    return found;
  }
  const lists = await Promise.all(
    o.proxies.jids.map((jid) =>
      queryProxy(xmpp, jid, opts).catch((err: Error) => {
        throw new Xep65Error('no-streamhost', `proxy ${jid} cannot be used: ${err.message}`, { cause: err });
      }),
    ),
  );
  return lists.flat();
}

function ownStreamhosts(jid: string, req: SendRequest, listener: StreamhostListenerPort | undefined): Streamhost[] {
  if (!listener || !req.direct.enabled) return [];
  const hosts: AdvertisedHost[] = req.direct.hosts ?? localAddresses().map((host) => ({ host }));
  return hosts.map((h) => ({ jid, host: h.host, port: h.port ?? listener.port }));
}

function connectionLost(xmpp: XmppSession): Promise<never> {
  const lost = new Promise<never>((_, reject) => xmpp.onClosed(reject));
  lost.catch(() => undefined); // raced against each step; an unraced rejection is expected at exit
  return lost;
}

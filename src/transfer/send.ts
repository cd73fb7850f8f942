// The `send` use case: log in, check the peer, offer the file by SI (XEP-0096), offer our own
// streamhost and the proxies (XEP-0065), stream the file. Discovery, the listener and the
// optional hash run side by side while nothing depends on them yet.
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import mime from 'mime-types';
import { NoStreamhostError, Xep65Error } from '../errors.js';
import { connectAccount, type AccountOptions } from '../xmpp/connect-account.js';
import type { XmppSession } from '../xmpp/connect.js';
import { checkPeerSupport } from '../session/si/support.js';
import { offerFile } from '../session/si/offer.js';
import { discoverProxies, queryProxy } from '../session/bytestream/proxy-discovery.js';
import { dedupeCandidates } from '../session/bytestream/candidate.js';
import { establishAsRequester } from '../session/si/s5b-requester.js';
import { serveDiscoInfo, FILE_TRANSFER_FEATURES } from '../session/disco-responder.js';
import type { EventSink } from '../session/events.js';
import type { StreamhostListenerPort } from '../session/ports.js';
import type { Streamhost } from '../stanzas/bytestreams.js';
import { NS_BYTESTREAMS, NS_IBB } from '../stanzas/ns.js';
import type { FileInfo } from '../stanzas/si.js';
import { listenStreamhost } from '../transport/streamhost-listener.js';
import { localAddresses } from '../transport/local-addresses.js';
import { dialSocks5 } from '../transport/socks5-client.js';
import { sendFile } from '../transport/send-file.js';
import { md5File } from '../transport/file-hash.js';
import { throttle } from './throttle.js';
import { TIMEOUTS } from './timeouts.js';
import { phaseTimer } from './phase-timer.js';
import { sendFileInBand } from './ibb-send.js';

export type ProxyChoice = { mode: 'discover' } | { mode: 'list'; jids: string[] } | { mode: 'none' };

export interface AdvertisedHost {
  host: string;
  /** Port to advertise when it differs from the listening one (NAT port forwarding). */
  port?: number;
}

export interface SendRequest {
  account: AccountOptions;
  file: string;
  to: string;
  /** Name to offer; default: the file's base name. */
  name?: string;
  proxies: ProxyChoice;
  /** Our own streamhost: off, or on `port` (0 = any) advertised on `hosts` (default: our addresses). */
  direct: { enabled: false } | { enabled: true; port: number; hosts?: AdvertisedHost[] };
  hash: boolean;
  /** Offer In-Band Bytestreams (XEP-0047) too, and fall back to them when no SOCKS5 connection works. */
  ibb: boolean;
  /** How long the receiver may take to accept or decline. */
  offerTimeoutMs: number;
  onEvent: EventSink;
  signal?: AbortSignal;
}

export interface SendResult {
  sid: string;
  file: FileInfo;
  bytes: number;
  seconds: number;
  /** Undefined when the file went in-band. */
  streamhost?: Streamhost;
}

export async function sendFileTo(req: SendRequest): Promise<SendResult> {
  const phase = phaseTimer(req.onEvent);
  const file = await describeFile(req.file, req.name);
  const xmpp = await connectAccount(req.account);
  phase('login');
  let listener: StreamhostListenerPort | undefined;
  try {
    const lost = connectionLost(xmpp);
    serveDiscoInfo(xmpp, req.ibb ? [...FILE_TRANSFER_FEATURES, NS_IBB] : FILE_TRANSFER_FEATURES);
    const opts = { signal: req.signal, timeoutMs: TIMEOUTS.iqMs };
    listener = req.direct.enabled ? await listenStreamhost({ port: req.direct.port, handshakeTimeoutMs: TIMEOUTS.handshakeMs }) : undefined;
    const [, proxies, hash] = await Promise.race([
      Promise.all([
        checkPeerSupport(xmpp, req.to, opts),
        findProxies(xmpp, req, opts),
        req.hash ? md5File(req.file, file.size, req.signal) : undefined,
      ]),
      lost,
    ]);
    phase(req.hash ? 'discovery+hash' : 'discovery');
    if (hash) file.hash = hash;
    const streamhosts = dedupeCandidates([...ownStreamhosts(xmpp.jid, req, listener), ...proxies]);
    if (streamhosts.length === 0 && !req.ibb) throw new NoStreamhostError('no streamhost to offer: our own is disabled and no proxy was found', []);

    const sid = `xep65-${randomBytes(8).toString('hex')}`;
    req.onEvent({ kind: 'offer-sent', to: req.to, sid, file });
    const methods = [...(streamhosts.length > 0 ? [NS_BYTESTREAMS] : []), ...(req.ibb ? [NS_IBB] : [])];
    const method = await Promise.race([offerFile(xmpp, req.to, { sid, file, streamMethods: methods }, { ...opts, timeoutMs: req.offerTimeoutMs }), lost]);
    req.onEvent({ kind: 'accepted', peer: req.to, sid, method });
    phase('offer');

    const started = Date.now();
    const progress = throttle((bytes: number) => req.onEvent({ kind: 'progress', sid, bytes, total: file.size }));
    let streamhost: Streamhost | undefined;
    let bytes: number;
    const established =
      method === NS_BYTESTREAMS
        ? await Promise.race([
            establishAsRequester({
              xmpp,
              dial: dialSocks5,
              listener,
              target: req.to,
              sid,
              streamhosts,
              answerTimeoutMs: TIMEOUTS.streamhostAnswerMs,
              connectTimeoutMs: TIMEOUTS.perHostMs * 2,
              signal: req.signal,
            }).catch((err: unknown) => {
              // XEP-0096 §4 lists IBB as the fallback: when no SOCKS5 connection works, go in-band.
              if (req.ibb && err instanceof NoStreamhostError) return undefined;
              throw err;
            }),
            lost,
          ])
        : undefined;
    if (established) {
      streamhost = established.streamhost;
      req.onEvent({ kind: 'streamhost-used', sid, streamhost });
      phase('negotiation');
      bytes = await sendFile(req.file, established.bytestream.stream, { size: file.size, closeTimeoutMs: TIMEOUTS.closeMs, onProgress: progress, signal: req.signal });
    } else {
      bytes = await Promise.race([
        sendFileInBand(xmpp, req.to, sid, req.file, file.size, {
          timeoutMs: TIMEOUTS.iqMs,
          signal: req.signal,
          onOpen: (blockSize) => (req.onEvent({ kind: 'ibb-opened', sid, blockSize }), phase('negotiation')),
          onProgress: progress,
        }),
        lost,
      ]);
    }
    progress.flush();
    phase('data');
    const seconds = (Date.now() - started) / 1000;
    req.onEvent({ kind: 'done', sid, peer: req.to, file, bytes, seconds });
    return { sid, file, bytes, seconds, ...(streamhost ? { streamhost } : {}) };
  } finally {
    await listener?.close();
    await xmpp.close();
  }
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
  return { name: offered, size: info.size, mimeType: mime.lookup(offered) || 'application/octet-stream', date: info.mtime.toISOString() };
}

async function findProxies(xmpp: XmppSession, req: SendRequest, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<Streamhost[]> {
  if (req.proxies.mode === 'none') return [];
  if (req.proxies.mode === 'discover') {
    const found = await discoverProxies(xmpp, opts);
    req.onEvent({ kind: 'proxies', streamhosts: found });
    return found;
  }
  const lists = await Promise.all(
    req.proxies.jids.map((jid) =>
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

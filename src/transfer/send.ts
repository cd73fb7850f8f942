// The `send` use case: log in, learn what the peer supports (disco#info) while finding proxies,
// choose Jingle File Transfer (XEP-0234) or SI (XEP-0096), and hand over to that front-end with
// our own streamhost and the proxies (XEP-0065).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import mime from 'mime-types';
import { Xep65Error } from '../errors.js';
import { connectAccount } from '../xmpp/connect-account.js';
import type { XmppSession } from '../xmpp/connect.js';
import { queryPeerInfo } from '../session/peer-features.js';
import { discoverProxies, queryProxy } from '../session/bytestream/proxy-discovery.js';
import { serveJingle } from '../session/jingle/router.js';
import { jingleFeatures } from '../session/jingle/support.js';
import { serveDiscoInfo, FILE_TRANSFER_FEATURES } from '../session/disco-responder.js';
import type { StreamhostListenerPort } from '../session/ports.js';
import type { Streamhost } from '../stanzas/bytestreams.js';
import { NS_IBB } from '../stanzas/ns.js';
import type { FileInfo } from '../stanzas/si.js';
import { listenStreamhost } from '../transport/streamhost-listener.js';
import { digestsOfFile } from '../transport/file-hash.js';
import { localAddresses } from '../transport/local-addresses.js';
import { TIMEOUTS } from './timeouts.js';
import { phaseTimer } from './phase-timer.js';
import { chooseProtocol } from './protocol-choice.js';
import { sendBySi } from './send-si.js';
import { sendByJingleTo } from './send-jingle.js';

import type { AdvertisedHost, SendContext, SendRequest, SendResult } from './send-context.js';
export type { AdvertisedHost, ProxyChoice, SendRequest, SendResult } from './send-context.js';

export async function sendFileTo(req: SendRequest): Promise<SendResult> {
  const phase = phaseTimer(req.onEvent);
  const file = await describeFile(req.file, req.name);
  const xmpp = await connectAccount(req.account);
  phase('login');
  let listener: StreamhostListenerPort | undefined;
  try {
    const lost = connectionLost(xmpp);
    const router = serveJingle(xmpp);
    serveDiscoInfo(xmpp, [...FILE_TRANSFER_FEATURES, ...(req.ibb ? [NS_IBB] : []), ...jingleFeatures(req.ibb)]);
    const opts = { signal: req.signal, timeoutMs: TIMEOUTS.iqMs };
    listener = req.direct.enabled ? await listenStreamhost({ port: req.direct.port, handshakeTimeoutMs: TIMEOUTS.handshakeMs }) : undefined;
    // --hash reads the file while discovery runs, for both protocols' hashes (one read).
    const hashes = req.hash ? digestsOfFile(req.file, file.size, ['md5', 'sha256'], req.signal).then(([md5, sha256]) => ({ md5: md5!.toString('hex'), sha256: sha256! })) : undefined;
    const [info, proxies, digests] = await Promise.race([Promise.all([queryPeerInfo(xmpp, req.to, opts), findProxies(xmpp, req, opts), hashes]), lost]);
    const choice = chooseProtocol(req.to, info.features, req.protocol ?? 'auto');
    req.onEvent({ kind: 'protocol', peer: req.to, ...choice });
    phase(req.hash ? 'discovery+hash' : 'discovery');
    const direct = ownStreamhosts(xmpp.jid, req, listener);
    const ctx: SendContext = { xmpp, req, file, ...(listener ? { listener } : {}), direct, proxies, ...(digests ? { digests } : {}), lost, phase };
    return choice.protocol === 'jingle' ? await sendByJingleTo(ctx, router) : await sendBySi(ctx);
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

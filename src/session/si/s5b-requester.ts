// The requester's side of a SOCKS5 bytestream negotiated by SI (XEP-0065 §5.3 direct, §6.3
// mediated): offer the streamhosts in one IQ-set, wait for streamhost-used, then let the shared
// layer take our own streamhost's connection or dial and activate the chosen proxy.
import { NoStreamhostError, Xep65Error } from '../../errors.js';
import { IqError } from '../../stanzas/iq-error.js';
import { dstAddr } from '../../socks5/dst-addr.js';
import { buildStreamhostOffer, parseStreamhostUsed, type Streamhost } from '../../stanzas/bytestreams.js';
import { prepareOwnCandidates } from '../bytestream/use-own-candidate.js';
import type { Bytestream, Socks5Dialer, StreamhostListenerPort, XmppPort } from '../ports.js';

export interface RequesterOptions {
  xmpp: XmppPort;
  dial: Socks5Dialer;
  /** Our own streamhost, when we offer direct connections. */
  listener?: StreamhostListenerPort;
  target: string;
  sid: string;
  /** Our own streamhosts (jid = our JID) first, then proxies, in order of preference. */
  streamhosts: Streamhost[];
  /** How long the target may take to connect and answer. */
  answerTimeoutMs: number;
  connectTimeoutMs: number;
  signal?: AbortSignal;
}

export interface EstablishedStream {
  bytestream: Bytestream;
  streamhost: Streamhost;
}

export async function establishAsRequester(opts: RequesterOptions): Promise<EstablishedStream> {
  const { xmpp, target, sid } = opts;
  const own = prepareOwnCandidates({
    xmpp,
    dial: opts.dial,
    listener: opts.listener,
    dstAddr: dstAddr(sid, xmpp.jid, target),
    peer: target,
    connectTimeoutMs: opts.connectTimeoutMs,
    signal: opts.signal,
  });
  try {
    const used = await askTarget(opts, own.signal);
    const streamhost = opts.streamhosts.find((s) => s.jid === used);
    if (!streamhost) throw new Xep65Error('protocol', `${target} used a streamhost we did not offer (${used})`);
    return { bytestream: await own.use(streamhost, sid), streamhost };
  } finally {
    own.release();
  }
}

async function askTarget(opts: RequesterOptions, signal: AbortSignal): Promise<string> {
  const offer = buildStreamhostOffer({ sid: opts.sid, mode: 'tcp', streamhosts: opts.streamhosts });
  let answer;
  try {
    answer = await opts.xmpp.set(opts.target, offer, { timeoutMs: opts.answerTimeoutMs, signal });
  } catch (err) {
    if (err instanceof IqError && err.condition === 'item-not-found') {
      throw new NoStreamhostError(`${opts.target} could not connect to any streamhost we offered`, []);
    }
    if (err instanceof IqError && err.condition === 'not-acceptable') {
      throw new Xep65Error('declined', `${opts.target} refused the bytestream`, { cause: err });
    }
    throw err;
  }
  const used = parseStreamhostUsed(answer);
  if (!used) throw new Xep65Error('protocol', `${opts.target} answered without streamhost-used`);
  return used;
}

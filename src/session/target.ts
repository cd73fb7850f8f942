// The receiver: answers SI offers (XEP-0095 §3, XEP-0096 §3.2) and, as the XEP-0065 target,
// the streamhost offer that follows (§5.3.2-5.3.3, §6.3.2-6.3.3). Refusals are returned as
// stanza errors: forbidden "Offer Declined" (XEP-0095 §3), no-valid-streams, bad-profile,
// not-acceptable for a bytestream we did not agree to, item-not-found when no streamhost works.
// The stream method is chosen by our preference (SOCKS5, then IBB), not by the sender's order;
// when IBB was offered too, a failed SOCKS5 attempt leaves the offer open for an IBB <open/>
// with the same sid for a short while, as Pidgin and our own sender do.
import type { Duplex } from 'node:stream';
import xml from '@xmpp/xml';
import { Xep65Error } from '../errors.js';
import { dstAddr as computeDstAddr } from '../socks5/dst-addr.js';
import { buildSiAccept, parseSiOffer, type FileInfo } from '../stanzas/si.js';
import { buildStreamhostUsed, parseStreamhostOffer } from '../stanzas/bytestreams.js';
import { buildError } from '../stanzas/stanza-error.js';
import { NS_BYTESTREAMS, NS_IBB, NS_SI } from '../stanzas/ns.js';
import { serveIbbTarget, type IbbTarget } from './ibb-target.js';
import { connectToStreamhosts } from './connect-streamhosts.js';
import { OfferLimits, type OfferLimitsConfig } from './offer-limits.js';
import type { EventSink } from './events.js';
import type { IqAnswer, IqRequest, Socks5Dialer, XmppPort } from './ports.js';

export interface IncomingOffer {
  from: string;
  sid: string;
  file: FileInfo;
}

export interface TargetOptions {
  xmpp: XmppPort;
  dial: Socks5Dialer;
  /** Whether to take this offer; may ask a person, so it may take long. */
  decide(offer: IncomingOffer): Promise<boolean>;
  /** The bytestream is connected: the caller reads the file from it. */
  onStream(offer: IncomingOffer, stream: Duplex): void;
  /** An accepted offer that will not deliver a stream. */
  onFailed(offer: IncomingOffer, error: Xep65Error): void;
  onEvent: EventSink;
  /** How long after accepting we wait for the sender's streamhost offer. */
  streamhostOfferTimeoutMs: number;
  /** Accept In-Band Bytestreams (XEP-0047) when offered, or as the fallback. */
  ibb: boolean;
  /** After SOCKS5 failed, how long an IBB fallback may take to open. */
  ibbFallbackWaitMs: number;
  staggerMs: number;
  perHostTimeoutMs: number;
  /** Shared by all streamhost candidates of one offer. */
  connectBudgetMs: number;
  /** Offers held at once, per peer and in all (default OFFER_LIMITS). */
  limits?: OfferLimitsConfig;
  signal?: AbortSignal;
}

/** Streamhosts of one offer we try at most; the rest are ignored (a hostile list costs no dials). */
export const MAX_STREAMHOSTS = 16;

interface Pending {
  offer: IncomingOffer;
  timer: NodeJS.Timeout;
  /** The sender listed IBB and we accept it: an IBB <open/> may claim this offer. */
  ibbAllowed: boolean;
}

/** What the receiver must still do before it logs out (let open IBB streams close), or when the connection is lost. */
export type Target = IbbTarget;

export function serveTarget(opts: TargetOptions): Target {
  const pending = new Map<string, Pending>();
  const keyOf = (from: string, sid: string) => `${from}\n${sid}`;
  const limits = new OfferLimits(opts.limits);
  const slots = new WeakMap<IncomingOffer, () => void>();
  const release = (offer: IncomingOffer) => slots.get(offer)?.();
  const failed = (offer: IncomingOffer, error: Xep65Error) => (release(offer), opts.onFailed(offer, error));
  const streamed = (offer: IncomingOffer, stream: Duplex) => {
    stream.once('close', () => release(offer));
    opts.onStream(offer, stream);
  };

  opts.xmpp.handle('set', NS_SI, 'si', async ({ from, element }: IqRequest): Promise<IqAnswer> => {
    const parsed = parseSiOffer(element);
    if (!parsed.ok) {
      const app = xml(parsed.reason === 'bad-profile' ? 'bad-profile' : 'bad-request', { xmlns: NS_SI });
      return parsed.reason === 'bad-profile' ? buildError('cancel', 'bad-request', { app }) : buildError('modify', 'bad-request', { text: parsed.message });
    }
    const { sid, file, streamMethods } = parsed.offer;
    const ibbAllowed = opts.ibb && streamMethods.includes(NS_IBB);
    const method = streamMethods.includes(NS_BYTESTREAMS) ? NS_BYTESTREAMS : ibbAllowed ? NS_IBB : undefined;
    if (!method) return buildError('cancel', 'bad-request', { app: xml('no-valid-streams', { xmlns: NS_SI }) });
    const offer: IncomingOffer = { from, sid, file };
    if (pending.has(keyOf(from, sid))) return buildError('modify', 'bad-request', { text: 'duplicate stream id' });
    const slot = limits.take(from);
    if (!slot) {
      opts.onEvent({ kind: 'declined', peer: from, sid, file, reason: 'too many offers at once' });
      return buildError('wait', 'resource-constraint', { text: 'Too many transfers at once; try again later' });
    }
    slots.set(offer, slot);
    opts.onEvent({ kind: 'offer', from, sid, file });
    // An offer still waiting for its answer when we are interrupted is declined, not left hanging.
    const accepted = await opts.decide(offer).catch((err: unknown) => {
      slot();
      if (err instanceof Xep65Error && err.code === 'aborted') return false;
      throw err;
    });
    if (!accepted) {
      slot();
      opts.onEvent({ kind: 'declined', peer: from, sid, file, reason: opts.signal?.aborted ? 'interrupted' : 'not accepted' });
      return buildError('cancel', 'forbidden', { text: 'Offer Declined' });
    }
    wait(offer, ibbAllowed, opts.streamhostOfferTimeoutMs, new Xep65Error('timeout', `${from} sent no stream after the file was accepted`));
    opts.onEvent({ kind: 'accepted', peer: from, sid, method });
    return buildSiAccept(method);
  });

  /** Keeps an accepted offer until its stream opens, failing it with `error` after `ms`. */
  function wait(offer: IncomingOffer, ibbAllowed: boolean, ms: number, error: Xep65Error): void {
    const key = keyOf(offer.from, offer.sid);
    const timer = setTimeout(() => {
      pending.delete(key);
      failed(offer, error);
    }, ms);
    pending.set(key, { offer, timer, ibbAllowed });
  }

  function take(from: string, sid: string, ibb: boolean): Pending | undefined {
    const entry = pending.get(keyOf(from, sid));
    if (!entry || (ibb && !entry.ibbAllowed)) return undefined;
    pending.delete(keyOf(from, sid));
    clearTimeout(entry.timer);
    return entry;
  }

  opts.xmpp.handle('set', NS_BYTESTREAMS, 'query', async ({ from, element }: IqRequest): Promise<IqAnswer> => {
    const parsed = parseStreamhostOffer(element);
    if (!parsed.ok) return buildError('modify', 'bad-request', { text: parsed.message });
    const entry = parsed.offer.mode === 'tcp' ? take(from, parsed.offer.sid, false) : undefined;
    if (!entry) return buildError('modify', 'not-acceptable');
    const { offer } = entry;
    try {
      const { stream, streamhost } = await connectToStreamhosts(parsed.offer.streamhosts.slice(0, MAX_STREAMHOSTS), {
        dstAddr: parsed.offer.dstAddr ?? computeDstAddr(offer.sid, from, opts.xmpp.jid),
        dial: opts.dial,
        staggerMs: opts.staggerMs,
        perHostTimeoutMs: opts.perHostTimeoutMs,
        budgetMs: opts.connectBudgetMs,
        // Its own signal: the shared one would collect a listener per concurrent offer.
        signal: opts.signal && AbortSignal.any([opts.signal]),
        onFailed: (s, error) => opts.onEvent({ kind: 'streamhost-failed', sid: offer.sid, streamhost: s, error }),
        onTried: (s) => opts.onEvent({ kind: 'streamhost-tried', sid: offer.sid, streamhost: s }),
      });
      opts.onEvent({ kind: 'streamhost-used', sid: offer.sid, streamhost });
      streamed(offer, stream);
      return buildStreamhostUsed(offer.sid, streamhost.jid);
    } catch (err) {
      const error = err instanceof Xep65Error ? err : new Xep65Error('internal', String(err), { cause: err });
      if (entry.ibbAllowed) wait(offer, true, opts.ibbFallbackWaitMs, error);
      else failed(offer, error);
      return buildError('cancel', 'item-not-found');
    }
  });

  const ibb = opts.ibb
    ? serveIbbTarget(opts.xmpp, { claim: (from, sid) => take(from, sid, true)?.offer, onStream: streamed, onEvent: opts.onEvent })
    : undefined;

  opts.signal?.addEventListener('abort', () => pending.forEach((p) => clearTimeout(p.timer)), { once: true });
  return { drain: (ms) => ibb?.drain(ms) ?? Promise.resolve(), abandon: (error) => ibb?.abandon(error) };
}

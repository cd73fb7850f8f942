// The receiver of SI file transfers (XEP-0096 §3.2): the SI offer handler, the XEP-0065 target
// for the streamhost offer that follows, and IBB (XEP-0047) when chosen or as the fallback, over
// the shared bytestream layer. Each accepted offer ends in onStream (the caller reads the file
// from it) or onFailed.
import type { Xep65Error } from '../../errors.js';
import { NS_BYTESTREAMS, NS_SI } from '../../stanzas/ns.js';
import { serveIbbReceiver, type IbbReceiver } from '../bytestream/ibb-receiver.js';
import { OfferLimits, type OfferLimitsConfig } from '../offer-limits.js';
import type { EventSink } from '../events.js';
import type { Bytestream, Socks5Dialer, XmppPort } from '../ports.js';
import { AcceptedOffers } from './accepted-offers.js';
import { siOfferHandler } from './answer.js';
import { s5bTargetHandler } from './s5b-target.js';
import type { IncomingOffer } from './incoming-offer.js';

export { MAX_STREAMHOSTS } from './s5b-target.js';
export type { IncomingOffer } from './incoming-offer.js';

export interface SiReceiverOptions {
  xmpp: XmppPort;
  dial: Socks5Dialer;
  /** Whether to take this offer; may ask a person, so it may take long. */
  decide(offer: IncomingOffer): Promise<boolean>;
  /** For an accepted offer that allows ranges: the bytes we already have (0: none). */
  resumeOffset?(offer: IncomingOffer): Promise<number>;
  /** The bytestream is connected: the caller reads the file from it. */
  onStream(offer: IncomingOffer, bytestream: Bytestream): void;
  /** An accepted offer that will not deliver a stream. */
  onFailed(offer: IncomingOffer, error: Xep65Error): void;
  onEvent: EventSink;
  /** How long after accepting we wait for the sender's streamhost offer. */
  streamhostOfferTimeoutMs: number;
  /** Accept In-Band Bytestreams (XEP-0047) when offered, or as the fallback. */
  ibb: boolean;
  /** The IBB receiver to share with another front-end (default: one of our own). */
  ibbReceiver?: IbbReceiver;
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

/** What the receiver must still do before it logs out (let open IBB streams close), or when the connection is lost. */
export interface SiReceiver {
  drain(ms: number): Promise<void>;
  abandon(error: Error): void;
}

export function serveSiReceiver(opts: SiReceiverOptions): SiReceiver {
  const slots = new WeakMap<IncomingOffer, () => void>();
  const release = (offer: IncomingOffer) => slots.get(offer)?.();
  const onFailed = (offer: IncomingOffer, error: Xep65Error) => (release(offer), opts.onFailed(offer, error));
  const onStream = (offer: IncomingOffer, bytestream: Bytestream) => {
    bytestream.stream.once('close', () => release(offer));
    opts.onStream(offer, bytestream);
  };
  const ibb = opts.ibb ? (opts.ibbReceiver ?? serveIbbReceiver(opts.xmpp, opts.onEvent)) : undefined;
  const accepted = new AcceptedOffers({ ibb, onStream, onFailed });

  opts.xmpp.handle('set', NS_SI, 'si', siOfferHandler({
    accepted,
    limits: new OfferLimits(opts.limits),
    holdSlot: (offer, slot) => slots.set(offer, slot),
    decide: opts.decide,
    ...(opts.resumeOffset ? { resumeOffset: opts.resumeOffset } : {}),
    onEvent: opts.onEvent,
    ibb: opts.ibb,
    streamOpenTimeoutMs: opts.streamhostOfferTimeoutMs,
    signal: opts.signal,
  }));
  opts.xmpp.handle('set', NS_BYTESTREAMS, 'query', s5bTargetHandler({ ...opts, jid: opts.xmpp.jid, accepted, onStream, onFailed }));

  opts.signal?.addEventListener('abort', () => accepted.clear(), { once: true });
  return { drain: (ms) => ibb?.drain(ms) ?? Promise.resolve(), abandon: (error) => ibb?.abandon(error) };
}

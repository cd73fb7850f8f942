// The target's side of a SOCKS5 bytestream negotiated by SI (XEP-0065 §5.3.2-5.3.3, §6.3.2-6.3.3):
// a streamhost offer for an offer we accepted is answered once one of its streamhosts completed
// SOCKS5 (streamhost-used), or with item-not-found when none did; a streamhost offer for anything
// else is not-acceptable. DST.ADDR hashes the SI sid (§5.3.2), unless the requester sent its own.
import { toXep65Error, type Xep65Error } from '../../errors.js';
import { dstAddr } from '../../socks5/dst-addr.js';
import { buildStreamhostUsed, parseStreamhostOffer } from '../../stanzas/bytestreams.js';
import { buildError } from '../../stanzas/stanza-error.js';
import { connectToCandidates } from '../bytestream/connect-candidates.js';
import type { EventSink } from '../events.js';
import type { Bytestream, IqAnswer, IqRequest, Socks5Dialer } from '../ports.js';
import type { AcceptedOffers } from './accepted-offers.js';
import type { IncomingOffer } from './incoming-offer.js';

/** Streamhosts of one offer we try at most; the rest are ignored (a hostile list costs no dials). */
export const MAX_STREAMHOSTS = 16;

export interface S5bTargetOptions {
  /** Our full JID (the target in DST.ADDR). */
  jid: string;
  dial: Socks5Dialer;
  accepted: AcceptedOffers;
  onStream(offer: IncomingOffer, bytestream: Bytestream): void;
  onFailed(offer: IncomingOffer, error: Xep65Error): void;
  onEvent: EventSink;
  /** After SOCKS5 failed, how long an IBB fallback may take to open. */
  ibbFallbackWaitMs: number;
  staggerMs: number;
  perHostTimeoutMs: number;
  /** Shared by all streamhost candidates of one offer. */
  connectBudgetMs: number;
  signal?: AbortSignal;
}

export function s5bTargetHandler(opts: S5bTargetOptions): (req: IqRequest) => Promise<IqAnswer> {
  return async ({ from, element }) => {
    const parsed = parseStreamhostOffer(element);
    if (!parsed.ok) return buildError('modify', 'bad-request', { text: parsed.message });
    const entry = parsed.offer.mode === 'tcp' ? opts.accepted.takeForSocks5(from, parsed.offer.sid) : undefined;
    if (!entry) return buildError('modify', 'not-acceptable');
    const { offer } = entry;
    try {
      const { bytestream, candidate } = await connectToCandidates(parsed.offer.streamhosts.slice(0, MAX_STREAMHOSTS), {
        dstAddr: parsed.offer.dstAddr ?? dstAddr(offer.sid, from, opts.jid),
        dial: opts.dial,
        staggerMs: opts.staggerMs,
        perHostTimeoutMs: opts.perHostTimeoutMs,
        budgetMs: opts.connectBudgetMs,
        // Its own signal: the shared one would collect a listener per concurrent offer.
        signal: opts.signal && AbortSignal.any([opts.signal]),
        onFailed: (s, error) => opts.onEvent({ kind: 'streamhost-failed', sid: offer.sid, streamhost: s, error }),
        onTried: (s) => opts.onEvent({ kind: 'streamhost-tried', sid: offer.sid, streamhost: s }),
      });
      opts.onEvent({ kind: 'streamhost-used', sid: offer.sid, streamhost: candidate });
      opts.onStream(offer, bytestream);
      return buildStreamhostUsed(offer.sid, candidate.jid);
    } catch (err) {
      const error = toXep65Error(err);
      if (entry.ibbAllowed) opts.accepted.hold(offer, true, opts.ibbFallbackWaitMs, error);
      else opts.onFailed(offer, error);
      return buildError('cancel', 'item-not-found');
    }
  };
}

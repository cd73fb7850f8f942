// Answering an SI file offer (XEP-0095 §3, XEP-0096 §3.2): parse, check the per-peer limits, ask
// the accept policy, and accept with one stream method (and, to resume, a range: §3.3) or refuse with a stanza error: forbidden
// "Offer Declined" (XEP-0095 §3), no-valid-streams, bad-profile, resource-constraint (too many at
// once). The method is ours to choose (SOCKS5, then IBB), not the sender's order.
import xml from '@xmpp/xml';
import { Xep65Error } from '../../errors.js';
import { buildSiAccept, parseSiOffer } from '../../stanzas/si.js';
import { buildError } from '../../stanzas/stanza-error.js';
import { NS_BYTESTREAMS, NS_IBB, NS_SI } from '../../stanzas/ns.js';
import type { OfferLimits } from '../offer-limits.js';
import type { EventSink } from '../events.js';
import type { IqAnswer, IqRequest } from '../ports.js';
import type { AcceptedOffers } from './accepted-offers.js';
import type { IncomingOffer } from './incoming-offer.js';

export interface SiAnswerOptions {
  accepted: AcceptedOffers;
  limits: OfferLimits;
  /** Called with the release of an accepted offer's slot (once its bytestream closed or it failed). */
  holdSlot(offer: IncomingOffer, release: () => void): void;
  decide(offer: IncomingOffer): Promise<boolean>;
  /** For an accepted offer that allows ranges: the bytes we already have (0: none). */
  resumeOffset?(offer: IncomingOffer): Promise<number>;
  onEvent: EventSink;
  /** Accept In-Band Bytestreams (XEP-0047) when offered, or as the fallback. */
  ibb: boolean;
  /** How long after accepting we wait for the sender's streamhost offer or IBB <open/>. */
  streamOpenTimeoutMs: number;
  signal?: AbortSignal;
}

export function siOfferHandler(opts: SiAnswerOptions): (req: IqRequest) => Promise<IqAnswer> {
  return async ({ from, element }) => {
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
    if (opts.accepted.has(from, sid)) return buildError('modify', 'bad-request', { text: 'duplicate stream id' });
    const slot = opts.limits.take(from);
    if (!slot) {
      opts.onEvent({ kind: 'declined', peer: from, sid, file, reason: 'too many offers at once' });
      return buildError('wait', 'resource-constraint', { text: 'Too many transfers at once; try again later' });
    }
    // An offer still waiting for its answer when we are interrupted is declined, not left hanging.
    opts.onEvent({ kind: 'offer', from, sid, file });
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
    const offset = file.ranged && opts.resumeOffset ? await opts.resumeOffset(offer).catch((err: unknown) => {
      slot();
      throw err;
    }) : 0;
    if (offset > 0) offer.resumeFrom = offset;
    opts.holdSlot(offer, slot);
    opts.accepted.hold(offer, ibbAllowed, opts.streamOpenTimeoutMs, new Xep65Error('timeout', `${from} sent no stream after the file was accepted`));
    opts.onEvent({ kind: 'accepted', peer: from, sid, method });
    return buildSiAccept(method, offset > 0 ? { offset } : undefined);
  };
}

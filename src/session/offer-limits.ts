// What one peer, and all peers together, can make the receiver hold at once (issue 10): every
// offer takes a slot from its arrival (while we decide) until its bytestream is closed or it
// failed. A peer over its share is answered <resource-constraint/> (RFC 6120 §8.3.3.18, type
// "wait"), so a flood of offers from one account cannot starve the others.
import { bareJid } from '../stanzas/jid.js';

export interface OfferLimitsConfig {
  /** Offers one account (bare JID, all its resources) may have open at once. */
  perPeer: number;
  /** Offers all peers together may have open at once. */
  total: number;
}

export const OFFER_LIMITS: OfferLimitsConfig = { perPeer: 16, total: 64 };

export class OfferLimits {
  private readonly open = new Map<string, number>();
  private total = 0;

  constructor(private readonly config: OfferLimitsConfig = OFFER_LIMITS) {}

  /** Takes a slot for an offer from `from`; returns its release (idempotent), or undefined when full. */
  take(from: string): (() => void) | undefined {
    const peer = bareJid(from).toLowerCase();
    const held = this.open.get(peer) ?? 0;
    if (held >= this.config.perPeer || this.total >= this.config.total) return undefined;
    this.open.set(peer, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.open.get(peer) ?? 1) - 1;
      if (left === 0) this.open.delete(peer);
      else this.open.set(peer, left);
    };
  }
}

// Offers we accepted by SI whose bytestream has not opened yet (XEP-0096 §3.2 → XEP-0065 §5.3.2
// or XEP-0047 §2.1): each held until a streamhost offer takes it, or, when IBB is allowed, an IBB
// <open/> with the same sid (the sender chose IBB, or falls back to it after SOCKS5 failed, as
// Pidgin and our own sender do). Exactly one of the two wins; the hold times out otherwise.
import type { Xep65Error } from '../../errors.js';
import type { IbbExpectation, IbbReceiver } from '../bytestream/ibb-receiver.js';
import type { Bytestream } from '../ports.js';
import type { IncomingOffer } from './incoming-offer.js';

interface Held {
  offer: IncomingOffer;
  timer: NodeJS.Timeout;
  ibb?: IbbExpectation;
}

export interface AcceptedOffersHooks {
  /** Null when IBB is off: then no offer may open in-band. */
  ibb: IbbReceiver | undefined;
  onStream(offer: IncomingOffer, bytestream: Bytestream): void;
  onFailed(offer: IncomingOffer, error: Xep65Error): void;
}

export class AcceptedOffers {
  private readonly held = new Map<string, Held>();

  constructor(private readonly hooks: AcceptedOffersHooks) {}

  has(from: string, sid: string): boolean {
    return this.held.has(keyOf(from, sid));
  }

  /** Holds `offer` for `ms`, then fails it with `error`; `ibb`: an IBB <open/> may take it meanwhile. */
  hold(offer: IncomingOffer, ibb: boolean, ms: number, error: Xep65Error): void {
    const key = keyOf(offer.from, offer.sid);
    const expectation = ibb ? this.hooks.ibb?.expect(offer.from, offer.sid) : undefined;
    const timer = setTimeout(() => {
      if (this.held.get(key)?.timer !== timer) return;
      this.held.delete(key);
      expectation?.cancel();
      this.hooks.onFailed(offer, error);
    }, ms);
    this.held.set(key, { offer, timer, ...(expectation ? { ibb: expectation } : {}) });
    void expectation?.opened.then((stream) => {
      if (this.held.get(key)?.ibb !== expectation) return void stream.destroy();
      this.held.delete(key);
      clearTimeout(timer);
      this.hooks.onStream(offer, { stream });
    });
  }

  /** Takes the offer for a SOCKS5 bytestream; undefined when none is held or it already went in-band. */
  takeForSocks5(from: string, sid: string): { offer: IncomingOffer; ibbAllowed: boolean } | undefined {
    const key = keyOf(from, sid);
    const entry = this.held.get(key);
    if (!entry || (entry.ibb && !entry.ibb.cancel())) return undefined;
    this.held.delete(key);
    clearTimeout(entry.timer);
    return { offer: entry.offer, ibbAllowed: entry.ibb !== undefined };
  }

  /** We stop: nothing held times out later. */
  clear(): void {
    for (const entry of this.held.values()) {
      clearTimeout(entry.timer);
      entry.ibb?.cancel();
    }
    this.held.clear();
  }
}

const keyOf = (from: string, sid: string) => `${from}\n${sid}`;

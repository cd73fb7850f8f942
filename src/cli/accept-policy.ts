// Which offers `receive` takes: --accept-all, --from JID|domain (repeatable), or a question on
// the terminal; with none of these and nobody to ask, every offer is declined (XEP-0095 §3
// forbidden "Offer Declined"). Questions are asked one at a time.
import type { IncomingOffer } from '../session/si/receiver.js';
import { bareJid, domainOf } from '../stanzas/jid.js';
import { formatBytes, printable } from './format.js';
import { askYesNo } from './prompt.js';

export interface AcceptRules {
  acceptAll: boolean;
  from: string[];
  /** Offers larger than this are declined whatever else says (--max-size). */
  maxSize?: number;
  interactive: boolean;
}

export function createAcceptPolicy(rules: AcceptRules, signal?: AbortSignal): (offer: IncomingOffer) => Promise<boolean> {
  let queue: Promise<unknown> = Promise.resolve();
  return async (offer) => {
    if (rules.maxSize !== undefined && offer.file.size > rules.maxSize) return false;
    if (rules.acceptAll) return true;
    if (rules.from.length > 0) return rules.from.some((rule) => senderMatches(offer.from, rule));
    if (!rules.interactive) return false;
    const question = `Accept ${printable(offer.file.name)} (${formatBytes(offer.file.size)}) from ${printable(offer.from)}? [y/N] `;
    const answer = queue.then(() => askYesNo(question, signal));
    queue = answer.catch(() => undefined);
    return answer;
  };
}

/** A rule is a full JID, a bare JID, or a domain; compared case-insensitively. */
export function senderMatches(from: string, rule: string): boolean {
  const f = from.toLowerCase();
  const r = rule.toLowerCase();
  if (r.includes('/')) return f === r;
  if (r.includes('@')) return bareJid(f) === r;
  return domainOf(f) === r;
}

// Presence (RFC 6121 §4): ours with a priority (§4.7.2.3: -1, so the server never routes a chat
// message to a file-transfer tool) and entity capabilities (XEP-0115 §4); a contact's, read
// into availability, priority and caps; subscription requests and answers (§3).
import xml, { type Element } from '@xmpp/xml';
import { parseCaps, type Caps } from './caps.js';

/** What `type` a presence has; no type means available (RFC 6121 §4.7.1). */
export type PresenceType = 'available' | 'unavailable' | 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed' | 'probe' | 'error';

export interface PresenceInfo {
  from: string;
  type: PresenceType;
  /** -128..127; 0 when absent or unreadable (§4.7.2.3). */
  priority: number;
  caps?: Caps;
}

const TYPES: readonly PresenceType[] = ['unavailable', 'subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'probe', 'error'];

/** Our available presence: a priority and, when given, the caps element. */
export function buildPresence(priority: number, caps?: Element): Element {
  return xml('presence', {}, xml('priority', {}, String(priority)), ...(caps ? [caps] : []));
}

/** A subscription request or answer (RFC 6121 §3.1.1, §3.1.5, §3.2, §3.3). */
export function buildSubscription(type: 'subscribe' | 'subscribed' | 'unsubscribe' | 'unsubscribed', to: string): Element {
  return xml('presence', { type, to });
}

/** Undefined for a presence without a from (from our own server about ourselves; nothing to track). */
export function parsePresence(el: Element): PresenceInfo | undefined {
  const from = el.attrs.from;
  if (typeof from !== 'string' || from === '') return undefined;
  const rawType = el.attrs.type;
  const type = rawType === undefined ? 'available' : TYPES.find((t) => t === rawType);
  if (!type) return undefined; // unknown types MUST be ignored (RFC 6120 §8.2.2 by analogy; RFC 6121 §4.7.1)
  const priority = Number.parseInt(el.getChildText('priority') ?? '0', 10);
  const caps = parseCaps(el);
  return { from, type, priority: Number.isInteger(priority) && priority >= -128 && priority <= 127 ? priority : 0, ...(caps ? { caps } : {}) };
}

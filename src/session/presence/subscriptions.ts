// Subscription requests to `receive` (RFC 6121 §3.1.3-3.1.4): approved for senders the accept
// rules allow (so they see us online and can send to our bare JID), ignored otherwise: no
// answer leaves the request pending for the account's other clients (§3.1.3 "SHOULD NOT" deny
// on the user's behalf).
import { bareJid } from '../../stanzas/jid.js';
import { buildSubscription, parsePresence } from '../../stanzas/presence.js';
import type { EventSink } from '../events.js';
import type { PresencePort } from '../ports.js';

export function approveSubscriptions(xmpp: PresencePort, allowed: (bare: string) => boolean, onEvent: EventSink): () => void {
  return xmpp.onPresence((el) => {
    const p = parsePresence(el);
    if (p?.type !== 'subscribe') return;
    const from = bareJid(p.from);
    const approved = allowed(from);
    onEvent({ kind: 'subscription', from, approved });
    if (approved) void xmpp.sendPresence(buildSubscription('subscribed', from)).catch(() => undefined); // a lost connection ends the receive anyway
  });
}

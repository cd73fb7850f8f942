// A contact's available resources as its presence tells them (RFC 6121 §4.4: the server sends
// the presence of each available resource after our initial presence, and changes as they come),
// with priority, caps and the order in which they were last heard.
import { bareJid } from '../../stanzas/jid.js';
import { parsePresence } from '../../stanzas/presence.js';
import type { Caps } from '../../stanzas/caps.js';
import type { PresencePort } from '../ports.js';

export interface ContactResource {
  /** The full JID, exactly as the server stamped it. */
  jid: string;
  priority: number;
  caps?: Caps;
  /** Larger is more recent. */
  heard: number;
}

export interface ContactWatch {
  resources(): ContactResource[];
  /** Resolves at the next available presence of the contact (or at once if one is known). */
  firstAvailable(): Promise<void>;
  stop(): void;
}

/** Starts listening before our presence goes out, so that no answer is missed; `except` is our own full JID. */
export function watchContact(xmpp: PresencePort, bare: string, except?: string): ContactWatch {
  const wanted = bare.toLowerCase();
  const known = new Map<string, ContactResource>();
  let heard = 0;
  let wake: (() => void) | undefined;
  const stop = xmpp.onPresence((el) => {
    const p = parsePresence(el);
    if (!p || !p.from.includes('/') || bareJid(p.from).toLowerCase() !== wanted || p.from === except) return;
    if (p.type === 'unavailable' || p.type === 'error') known.delete(p.from);
    else if (p.type === 'available') {
      known.set(p.from, { jid: p.from, priority: p.priority, ...(p.caps ? { caps: p.caps } : {}), heard: ++heard });
      wake?.();
    }
  });
  return {
    resources: () => [...known.values()],
    firstAvailable: () => (known.size > 0 ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve))),
    stop,
  };
}

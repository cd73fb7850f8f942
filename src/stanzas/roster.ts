// The roster (RFC 6121 §2): fetching it (§2.1.3), removing an item (§2.5), reading items.
import xml, { type Element } from '@xmpp/xml';
import { NS_ROSTER } from './ns.js';

export type Subscription = 'none' | 'to' | 'from' | 'both';

export interface RosterItem {
  jid: string;
  name?: string;
  subscription: Subscription;
  /** Our subscription request is pending (§2.1.2.2). */
  pending: boolean;
}

const SUBSCRIPTIONS: readonly Subscription[] = ['none', 'to', 'from', 'both'];

export function buildRosterQuery(): Element {
  return xml('query', { xmlns: NS_ROSTER });
}

export function buildRosterRemove(jid: string): Element {
  return xml('query', { xmlns: NS_ROSTER }, xml('item', { jid, subscription: 'remove' }));
}

export function parseRoster(query: Element | undefined): RosterItem[] {
  return (query?.getChildren('item') ?? [])
    .filter((el) => typeof el.attrs.jid === 'string' && el.attrs.jid !== '')
    .map((el) => ({
      jid: String(el.attrs.jid),
      ...(el.attrs.name ? { name: String(el.attrs.name) } : {}),
      subscription: SUBSCRIPTIONS.find((s) => s === el.attrs.subscription) ?? 'none',
      pending: el.attrs.ask === 'subscribe',
    }));
}

/** Whether we receive the contact's presence (§3: subscription to or both). */
export function seesPresence(item: RosterItem | undefined): boolean {
  return item?.subscription === 'to' || item?.subscription === 'both';
}

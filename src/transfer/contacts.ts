// The `contact` use cases (RFC 6121): add (a subscription request, §3.1.1, and the approval of
// theirs in advance, §3.4), list (the roster, §2.1.3, with the resources online now and what each
// can receive, from its caps or disco#info) and remove (§2.5: the server cancels both directions).
import { connectAccount, type AccountOptions } from '../xmpp/connect-account.js';
import type { XmppSession } from '../xmpp/connect.js';
import { serveClientInfo, FILE_TRANSFER_FEATURES } from '../session/disco-responder.js';
import { jingleFeatures } from '../session/jingle/support.js';
import { createFeatureCache } from '../session/presence/feature-cache.js';
import { weighResource } from '../session/presence/choose-resource.js';
import { OUR_PRIORITY } from '../session/presence/our-presence.js';
import type { ResourceCandidateInfo } from '../session/events.js';
import { bareJid, parseJid } from '../stanzas/jid.js';
import { NS_IBB } from '../stanzas/ns.js';
import { buildPresence, buildSubscription, parsePresence, type PresenceInfo } from '../stanzas/presence.js';
import { buildRosterQuery, buildRosterRemove, parseRoster, type RosterItem } from '../stanzas/roster.js';
import { Xep65Error } from '../errors.js';
import { chooseProtocol } from './protocol-choice.js';
import { TIMEOUTS } from './timeouts.js';

/** A resource online now, with what `send` would use with it (the same record as resource-chosen's candidates). */
export type ContactResourceReport = ResourceCandidateInfo;

export interface ContactReport extends RosterItem {
  resources: ContactResourceReport[];
}

const request = (signal?: AbortSignal) => ({ timeoutMs: TIMEOUTS.iqMs, ...(signal ? { signal } : {}) });

export async function addContact(account: AccountOptions, jid: string, signal?: AbortSignal): Promise<RosterItem> {
  const bare = checkedBare(jid);
  return withSession(account, async (xmpp) => {
    await xmpp.sendPresence(buildSubscription('subscribe', bare));
    await xmpp.sendPresence(buildSubscription('subscribed', bare));
    const item = (await roster(xmpp, signal)).find((i) => sameJid(i.jid, bare));
    return item ?? { jid: bare, subscription: 'none', pending: true };
  });
}

export async function removeContact(account: AccountOptions, jid: string, signal?: AbortSignal): Promise<boolean> {
  const bare = checkedBare(jid);
  return withSession(account, async (xmpp) => {
    const known = (await roster(xmpp, signal)).some((i) => sameJid(i.jid, bare));
    if (known) await xmpp.set(bareJid(xmpp.jid), buildRosterRemove(bare), request(signal));
    return known;
  });
}

export async function listContacts(account: AccountOptions, signal?: AbortSignal): Promise<ContactReport[]> {
  return withSession(account, async (xmpp) => {
    const online = new Map<string, PresenceInfo>();
    const stop = xmpp.onPresence((el) => {
      const p = parsePresence(el);
      if (!p || !p.from.includes('/') || p.from === xmpp.jid) return;
      if (p.type === 'available') online.set(p.from, p);
      else if (p.type === 'unavailable') online.delete(p.from);
    });
    try {
      const caps = serveClientInfo(xmpp, [...FILE_TRANSFER_FEATURES, NS_IBB, ...jingleFeatures(true)]);
      await xmpp.sendPresence(buildPresence(OUR_PRIORITY, caps));
      // Asked after our presence: the server has sent the presence of its own users before this answer.
      const items = await roster(xmpp, signal);
      const features = createFeatureCache(xmpp, request(signal));
      return await Promise.all(items.map(async (item) => {
        const resources = [...online.values()].filter((p) => sameJid(bareJid(p.from), item.jid));
        return { ...item, resources: await Promise.all(resources.map(async (p) => weighResource(p.from, p.priority, await features.featuresOf(p.from, p.caps), (jid, f) => chooseProtocol(jid, f, 'auto')))) };
      }));
    } finally {
      stop();
    }
  });
}

async function roster(xmpp: XmppSession, signal?: AbortSignal): Promise<RosterItem[]> {
  return parseRoster(await xmpp.get(bareJid(xmpp.jid), buildRosterQuery(), request(signal)));
}

async function withSession<T>(account: AccountOptions, fn: (xmpp: XmppSession) => Promise<T>): Promise<T> {
  const xmpp = await connectAccount(account);
  try {
    return await fn(xmpp);
  } finally {
    await xmpp.close();
  }
}

function checkedBare(jid: string): string {
  const parts = parseJid(jid);
  if (parts.resource !== undefined) throw new Xep65Error('usage', `a contact is a bare JID (user@host), not ${jid}`);
  if (parts.local === '') throw new Xep65Error('usage', `a contact is a bare JID (user@host), not the server ${jid}`);
  return jid;
}

function sameJid(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

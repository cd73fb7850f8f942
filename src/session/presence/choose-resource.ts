// Sending to a bare JID (RFC 6121 §8.5.3.2: an IQ to a bare JID is the server's, so a file goes
// to one full JID): the contact's available resources from presence, what each can receive
// (caps or disco#info), and the best of them: Jingle before SI (unless --protocol says), then
// the highest presence priority, then the one heard from last.
import { Xep65Error } from '../../errors.js';
import { bareJid, domainOf } from '../../stanzas/jid.js';
import { buildRosterQuery, parseRoster, seesPresence } from '../../stanzas/roster.js';
import type { Protocol, ResourceCandidateInfo } from '../events.js';
import type { ContactWatch } from './contact-resources.js';
import type { FeatureCache } from './feature-cache.js';
import type { RequestOptions, XmppPort } from '../ports.js';

/** A resource as weighed: what we would use with it (absent: it cannot receive a file), and why. */
export type ResourceCandidate = ResourceCandidateInfo;

export interface ResourceChoice {
  jid: string;
  protocol: Protocol;
  /** Why this protocol with this resource. */
  protocolReason: string;
  /** Why this resource. */
  reason: string;
  candidates: ResourceCandidate[];
}

export interface ChooseResourceOptions {
  xmpp: XmppPort;
  bare: string;
  watch: ContactWatch;
  features: FeatureCache;
  /** Decides per resource (transfer/protocol-choice.ts), throwing when neither protocol fits. */
  protocolFor(jid: string, features: readonly string[]): { protocol: Protocol; reason: string };
  /** How long to wait for a first presence of a contact on another server (s2s). */
  remoteWaitMs: number;
  /** After the first presence from another server, how long others may still arrive. */
  remoteGraceMs: number;
  request: RequestOptions;
}

/** What one resource can receive, from the features it announces (undefined: it would not say). */
export function weighResource(jid: string, priority: number, features: readonly string[] | undefined, protocolFor: ChooseResourceOptions['protocolFor']): ResourceCandidate {
  if (!features) return { jid, priority, why: 'does not answer disco#info' };
  try {
    const { protocol, reason } = protocolFor(jid, features);
    return { jid, priority, protocol, why: reason };
  } catch (err) {
    return { jid, priority, why: err instanceof Error ? err.message : String(err) };
  }
}

export async function chooseResource(o: ChooseResourceOptions): Promise<ResourceChoice> {
  // Our presence went out before this roster query: the server answers it after it has sent us
  // the presence of the contacts it hosts itself (one stream, in order), so for those the
  // resources are all known by now. A contact elsewhere answers through s2s: wait a little.
  const roster = parseRoster(await o.xmpp.get(bareJid(o.xmpp.jid), buildRosterQuery(), o.request).catch(() => undefined));
  const own = bareJid(o.xmpp.jid).toLowerCase() === o.bare.toLowerCase();
  if (domainOf(o.bare).toLowerCase() !== o.xmpp.domain.toLowerCase()) await waitForRemote(o);
  const resources = o.watch.resources();
  if (resources.length === 0) {
    const item = roster.find((i) => i.jid.toLowerCase() === o.bare.toLowerCase());
    if (!own && !seesPresence(item)) {
      const pending = item?.pending ? ' (our subscription request is still pending)' : '';
      throw new Xep65Error('unsupported', `we see no presence of ${o.bare}: not subscribed to it${pending}; run 'xep65 contact add ${o.bare}' and have it approved, or send to a full JID`, { reason: 'not-subscribed' });
    }
    throw new Xep65Error('unsupported', `${o.bare} is offline (no available resource)`, { reason: 'offline' });
  }
  const candidates = await Promise.all(resources.map(async (r): Promise<ResourceCandidate & { heard: number }> => ({
    ...weighResource(r.jid, r.priority, await o.features.featuresOf(r.jid, r.caps), o.protocolFor),
    heard: r.heard,
  })));
  const usable = candidates.filter((c) => c.protocol !== undefined).sort(better);
  const best = usable[0];
  const listed = candidates.map(({ heard: _heard, ...c }) => c);
  if (!best) {
    throw new Xep65Error('unsupported', `${o.bare} is online (${resources.map((r) => r.jid.slice(r.jid.indexOf('/') + 1)).join(', ')}) but none of its resources can receive a file (no SI and no Jingle file transfer)`, { reason: 'no-file-transfer' });
  }
  return { jid: best.jid, protocol: best.protocol!, protocolReason: best.why, reason: reasonFor(best, usable.length, candidates.length), candidates: listed };
}

/** Jingle before SI, then the higher priority, then the most recently heard. */
function better(a: ResourceCandidate & { heard: number }, b: ResourceCandidate & { heard: number }): number {
  const rank = (c: ResourceCandidate) => (c.protocol === 'jingle' ? 0 : 1);
  return rank(a) - rank(b) || b.priority - a.priority || b.heard - a.heard;
}

function reasonFor(best: ResourceCandidate, usable: number, all: number): string {
  if (all === 1) return `its only available resource (priority ${best.priority})`;
  return `best of ${all} resources (${usable} can receive): ${best.protocol === 'jingle' ? 'Jingle' : 'SI'}, priority ${best.priority}`;
}

async function waitForRemote(o: ChooseResourceOptions): Promise<void> {
  const deadline = sleep(o.remoteWaitMs, o.request.signal);
  await Promise.race([o.watch.firstAvailable().then(() => sleep(o.remoteGraceMs, o.request.signal)), deadline]);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

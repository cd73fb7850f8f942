// The `discover` use case, the first thing to run when a transfer fails: what the server offers
// (SOCKS5 proxies found by disco, XEP-0065 §4, each checked reachable with a SOCKS5 handshake),
// what a contact's client supports (disco#info, XEP-0030: SI file transfer, bytestreams, IBB,
// Jingle file transfer), and which addresses our own streamhost would advertise.
import { randomBytes } from 'node:crypto';
import { connectAccount, type AccountOptions } from '../xmpp/connect-account.js';
import { discoverProxies } from '../session/bytestream/proxy-discovery.js';
import type { Protocol } from '../session/events.js';
import { buildDiscoInfoQuery, parseDiscoInfo } from '../stanzas/disco.js';
import { NS_BYTESTREAMS, NS_IBB, NS_JINGLE, NS_JINGLE_FT, NS_JINGLE_FT_4, NS_JINGLE_IBB, NS_JINGLE_S5B, NS_SI, NS_SI_FILE } from '../stanzas/ns.js';
import { chooseProtocol } from './protocol-choice.js';
import { dialSocks5 } from '../transport/socks5-client.js';
import { localAddresses } from '../transport/local-addresses.js';
import { TIMEOUTS } from './timeouts.js';
import { serveClientInfo } from '../session/disco-responder.js';
import { watchContact } from '../session/presence/contact-resources.js';
import type { ResourceCandidate } from '../session/presence/choose-resource.js';
import { chooseRecipient } from './recipient-choice.js';
import { OUR_PRIORITY } from '../session/presence/our-presence.js';
import { parseJid } from '../stanzas/jid.js';
import { buildPresence } from '../stanzas/presence.js';
import { Xep65Error, type ErrorReason } from '../errors.js';
import type { XmppSession } from '../xmpp/connect.js';

/** Features worth naming, by what a user would call them. */
const FEATURES: Record<string, string> = {
  [NS_SI]: 'si',
  [NS_SI_FILE]: 'si-file-transfer',
  [NS_BYTESTREAMS]: 'socks5-bytestreams',
  [NS_IBB]: 'ibb',
  [NS_JINGLE]: 'jingle',
  [NS_JINGLE_FT]: 'jingle-file-transfer',
  [NS_JINGLE_FT_4]: 'jingle-file-transfer-4',
  [NS_JINGLE_S5B]: 'jingle-s5b',
  [NS_JINGLE_IBB]: 'jingle-ibb',
};

export interface DiscoverReport {
  account: string;
  proxies: Array<{ jid: string; host: string; port: number; reachable: boolean; error?: string }>;
  /** Present when a contact was named. */
  peer?: {
    jid: string;
    identities: string[];
    supports: string[];
    canReceive: boolean;
    /** What `send` would use (auto), and why; absent when it could not send at all. */
    protocol?: Protocol;
    protocolReason?: string;
    error?: string;
    /** A bare JID: the resource `send` would choose, why, and every available one. */
    resource?: { jid?: string; reason?: string; candidates: ResourceCandidate[] };
    /** Why a bare JID has no resource to send to (offline, not-subscribed, no-file-transfer). */
    reason?: ErrorReason;
  };
  ownAddresses: string[];
}

export async function discover(account: AccountOptions, peer: string | undefined, signal?: AbortSignal): Promise<DiscoverReport> {
  const xmpp = await connectAccount(account);
  try {
    const opts = { timeoutMs: TIMEOUTS.iqMs, ...(signal ? { signal } : {}) };
    const bare = peer !== undefined && parseJid(peer).resource === undefined;
    const describe = (jid: string) => (bare ? describeBare(xmpp, jid, opts, describePeer) : describePeer(jid));
    const [streamhosts, peerInfo] = await Promise.all([discoverProxies(xmpp, opts), peer === undefined ? undefined : describe(peer)]);
    const proxies = await Promise.all(
      streamhosts.map(async (s) => {
        try {
          const socket = await dialSocks5({ host: s.host, port: s.port, dstAddr: randomBytes(20).toString('hex'), timeoutMs: TIMEOUTS.perHostMs, ...(signal ? { signal } : {}) });
          socket.stream.destroy();
          return { ...s, reachable: true };
        } catch (err) {
          return { ...s, reachable: false, error: (err as Error).message };
        }
      }),
    );
    return { account: xmpp.jid, proxies, ...(peerInfo ? { peer: peerInfo } : {}), ownAddresses: localAddresses() };
  } finally {
    await xmpp.close();
  }

  async function describePeer(jid: string): Promise<NonNullable<DiscoverReport['peer']>> {
    try {
      const answer = await xmpp.get(jid, buildDiscoInfoQuery(), { timeoutMs: TIMEOUTS.iqMs, ...(signal ? { signal } : {}) });
      const info = answer ? parseDiscoInfo(answer) : { identities: [], features: [] };
      const supports = info.features.map((f) => FEATURES[f]).filter((f): f is string => f !== undefined);
      const identities = info.identities.map((i) => `${i.category}/${i.type}${i.name ? ` (${i.name})` : ''}`);
      try {
        const choice = chooseProtocol(jid, info.features, 'auto');
        return { jid, identities, supports, canReceive: true, protocol: choice.protocol, protocolReason: choice.reason };
      } catch (err) {
        return { jid, identities, supports, canReceive: false, protocolReason: (err as Error).message };
      }
    } catch (err) {
      return { jid, identities: [], supports: [], canReceive: false, error: (err as Error).message };
    }
  }
}

type PeerReport = NonNullable<DiscoverReport['peer']>;

/**
 * A bare JID, as `send` sees it: our presence (priority -1, with caps) goes out, the contact's
 * available resources come back, and the one `send` would choose is described like a full JID.
 */
async function describeBare(xmpp: XmppSession, bare: string, request: { signal?: AbortSignal; timeoutMs: number }, describeFull: (jid: string) => Promise<PeerReport>): Promise<PeerReport> {
  const caps = serveClientInfo(xmpp, []);
  const watch = watchContact(xmpp, bare, xmpp.jid);
  try {
    await xmpp.sendPresence(buildPresence(OUR_PRIORITY, caps));
    const chosen = await chooseRecipient(xmpp, bare, watch, 'auto', request);
    const full = await describeFull(chosen.jid);
    return { ...full, resource: { jid: chosen.jid, reason: chosen.reason, candidates: chosen.candidates } };
  } catch (err) {
    if (!(err instanceof Xep65Error) || err.code !== 'unsupported') throw err;
    const candidates = watch.resources().map((r) => ({ jid: r.jid, priority: r.priority, why: 'cannot receive a file' }));
    return { jid: bare, identities: [], supports: [], canReceive: false, error: err.message, ...(err.reason ? { reason: err.reason } : {}), resource: { candidates } };
  } finally {
    watch.stop();
  }
}

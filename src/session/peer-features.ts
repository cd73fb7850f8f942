// XEP-0030 §3 disco#info on the peer before an offer (XEP-0096 §4, XEP-0234 §3 "Determining
// Support"): an unavailable peer gets a clear error instead of a silent timeout.
import { Xep65Error } from '../errors.js';
import { IqError } from '../stanzas/iq-error.js';
import { buildDiscoInfoQuery, parseDiscoInfo, type DiscoInfo } from '../stanzas/disco.js';
import type { RequestOptions, XmppPort } from './ports.js';

export async function queryPeerInfo(xmpp: XmppPort, peer: string, opts: RequestOptions): Promise<DiscoInfo> {
  try {
    const query = await xmpp.get(peer, buildDiscoInfoQuery(), opts);
    return query ? parseDiscoInfo(query) : { identities: [], features: [] };
  } catch (err) {
    if (err instanceof IqError && ['service-unavailable', 'item-not-found', 'recipient-unavailable'].includes(err.condition)) {
      throw new Xep65Error('unsupported', `${peer} is not available (${err.condition}); is the receiver running with that resource?`, { cause: err });
    }
    throw err;
  }
}

// XEP-0096 §4 / XEP-0065 §3 "Determining Support": disco#info (XEP-0030 §3) on the receiver
// before offering, so an unsupported peer gets a clear error instead of a silent timeout.
import { Xep65Error } from '../../errors.js';
import { IqError } from '../../stanzas/iq-error.js';
import { buildDiscoInfoQuery, parseDiscoInfo, type DiscoInfo } from '../../stanzas/disco.js';
import { NS_BYTESTREAMS, NS_IBB, NS_SI, NS_SI_FILE } from '../../stanzas/ns.js';
import type { RequestOptions, XmppPort } from '../ports.js';

export async function checkPeerSupport(xmpp: XmppPort, peer: string, opts: RequestOptions): Promise<DiscoInfo> {
  let info: DiscoInfo;
  try {
    const query = await xmpp.get(peer, buildDiscoInfoQuery(), opts);
    info = query ? parseDiscoInfo(query) : { identities: [], features: [] };
  } catch (err) {
    if (err instanceof IqError && ['service-unavailable', 'item-not-found', 'recipient-unavailable'].includes(err.condition)) {
      throw new Xep65Error('unsupported', `${peer} is not available (${err.condition}); is the receiver running with that resource?`, {
        cause: err,
      });
    }
    throw err;
  }
  const missing = siReceiveGap(info.features);
  if (missing) throw new Xep65Error('unsupported', `${peer} ${missing}`);
  return info;
}

/** Why a peer announcing `features` cannot receive a file by SI, or undefined when it can. */
export function siReceiveGap(features: readonly string[]): string | undefined {
  if (![NS_SI, NS_SI_FILE].every((f) => features.includes(f))) return 'does not support SI file transfer (XEP-0096)';
  if (!features.includes(NS_BYTESTREAMS) && !features.includes(NS_IBB)) return 'supports no stream method we know (bytestreams, IBB)';
  return undefined;
}

// XEP-0096 §4 / XEP-0065 §3 "Determining Support": what a peer must announce to be offered a
// file by SI. Only SI file transfer itself: the stream methods are negotiated in the offer
// (XEP-0095 §3, feature negotiation), and some clients list SI without listing the methods, so
// the offer carries every method we have and the peer's answer decides.
import { NS_SI, NS_SI_FILE } from '../../stanzas/ns.js';

/** Why a peer announcing `features` cannot receive a file by SI, or undefined when it can. */
export function siReceiveGap(features: readonly string[]): string | undefined {
  if (!features.includes(NS_SI_FILE) && !features.includes(NS_SI)) return 'does not support SI file transfer (XEP-0096)';
  return undefined;
}

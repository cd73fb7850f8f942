// XEP-0096 §4 / XEP-0065 §3 "Determining Support": what a peer must announce to receive by SI.
import { NS_BYTESTREAMS, NS_IBB, NS_SI, NS_SI_FILE } from '../../stanzas/ns.js';

/** Why a peer announcing `features` cannot receive a file by SI, or undefined when it can. */
export function siReceiveGap(features: readonly string[]): string | undefined {
  if (![NS_SI, NS_SI_FILE].every((f) => features.includes(f))) return 'does not support SI file transfer (XEP-0096)';
  if (!features.includes(NS_BYTESTREAMS) && !features.includes(NS_IBB)) return 'supports no stream method we know (bytestreams, IBB)';
  return undefined;
}

// XEP-0234 §3 "Determining Support" and what we announce: Jingle, file transfer :5, a transport
// (XEP-0260 S5B, XEP-0261 IBB), and the hashes we compute (XEP-0300 §5).
import { hashFeature } from '../../stanzas/hashes.js';
import { NS_HASHES, NS_JINGLE, NS_JINGLE_FT, NS_JINGLE_IBB, NS_JINGLE_S5B } from '../../stanzas/ns.js';

/** Why a peer announcing `features` cannot receive a file by Jingle, or undefined when it can. */
export function jingleReceiveGap(features: readonly string[]): string | undefined {
  if (!features.includes(NS_JINGLE)) return 'does not announce Jingle (urn:xmpp:jingle:1)';
  if (!features.includes(NS_JINGLE_FT)) return 'does not announce Jingle file transfer :5';
  if (!features.includes(NS_JINGLE_S5B) && !features.includes(NS_JINGLE_IBB)) return 'announces no Jingle transport we know (s5b:1, ibb:1)';
  return undefined;
}

/** The disco#info features of a Jingle file-transfer receiver (IBB only when we take it). */
export function jingleFeatures(ibb: boolean): string[] {
  return [NS_JINGLE, NS_JINGLE_FT, NS_JINGLE_S5B, ...(ibb ? [NS_JINGLE_IBB] : []), NS_HASHES, hashFeature('sha-256')];
}

// Which negotiation a send uses (DESIGN-REVIEW §3 "negotiator chosen by disco"): Jingle File
// Transfer when the peer's disco#info lists Jingle, file-transfer:5 and a transport we speak
// (what Conversations, Dino, Psi and Libervia look for), else SI; --protocol forces one, and
// still needs the peer to announce it (a clear error beats an offer that times out).
import { Xep65Error } from '../errors.js';
import type { Protocol } from '../session/events.js';
import { jingleReceiveGap } from '../session/jingle/support.js';
import { siReceiveGap } from '../session/si/support.js';

export type ProtocolRequest = 'auto' | Protocol;
export const PROTOCOL_REQUESTS: readonly ProtocolRequest[] = ['auto', 'jingle', 'si'];

export interface ProtocolChoice {
  protocol: Protocol;
  /** Why, in words for -v, `discover` and --json. */
  reason: string;
}

/** The choice for a peer announcing `features`, or why neither protocol can reach it. */
export function chooseProtocol(peer: string, features: readonly string[], requested: ProtocolRequest): ProtocolChoice {
  const jingleGap = jingleReceiveGap(features);
  const siGap = siReceiveGap(features);
  if (requested === 'jingle') {
    if (jingleGap) throw new Xep65Error('unsupported', `${peer} ${jingleGap} (--protocol jingle)`);
    return { protocol: 'jingle', reason: '--protocol jingle' };
  }
  if (requested === 'si') {
    if (siGap) throw new Xep65Error('unsupported', `${peer} ${siGap} (--protocol si)`);
    return { protocol: 'si', reason: '--protocol si' };
  }
  if (!jingleGap) return { protocol: 'jingle', reason: 'the peer announces Jingle file transfer :5 with a transport we speak' };
  if (!siGap) return { protocol: 'si', reason: `SI file transfer: the peer ${jingleGap}` };
  throw new Xep65Error('unsupported', `${peer} ${siGap}, and ${jingleGap}`);
}

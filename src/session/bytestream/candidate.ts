// A place a SOCKS5 bytestream can be made through, whichever front-end offered it: an SI
// streamhost (XEP-0065 §5.3.1, §6.3.1) or a Jingle S5B candidate (XEP-0260 §2). The shared
// layer takes DST.ADDR as a value: SI hashes the SI sid, Jingle the transport sid (XEP-0260 §2).
import type { Streamhost } from '../../stanzas/bytestreams.js';

export interface Candidate extends Streamhost {
  /** XEP-0260 candidate id; SI streamhosts have none. */
  cid?: string;
  /** XEP-0260 §2 priority; SI streamhosts are ordered by position instead. */
  priority?: number;
}

/** Never offer the same address twice (FIELD-NOTES: some peers try each one anyway). */
export function dedupeCandidates<C extends Candidate>(candidates: readonly C[]): C[] {
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const key = `${c.host.toLowerCase()}|${c.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

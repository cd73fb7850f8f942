// The receiver's hash check for Jingle File Transfer (XEP-0234 §8.2, XEP-0300): which algorithm to
// compute (the sender's, SHA-256 first; SHA-256 when it named none, since a <checksum/> may still
// come), the expected value from the offer or the <checksum/> after the data, and the verdict. A
// mismatch refuses the file before it gets its final name; no hash at all is "size checked only".
import { Xep65Error } from '../errors.js';
import type { EventSink, HashOutcome } from '../session/events.js';
import type { JingleIncoming } from '../session/jingle/responder.js';
import type { FileDescription } from '../stanzas/file.js';
import { hashDigest, hashFromDigest, type HashAlgo } from '../stanzas/hashes.js';

/** What Node's crypto calls the algorithms we compute. */
const NODE_NAMES: Partial<Record<HashAlgo, string>> = {
  'sha-256': 'sha256',
  'sha-512': 'sha512',
  'sha-384': 'sha384',
  'sha-1': 'sha1',
  'sha3-256': 'sha3-256',
  'sha3-512': 'sha3-512',
  'blake2b-512': 'blake2b512',
  md5: 'md5',
};

export interface JingleVerifyOptions {
  sid: string;
  description: FileDescription;
  incoming: JingleIncoming;
  /** How long to wait for a <checksum/> after the last byte when the offer announced one. */
  checksumWaitMs: number;
  /** The same when the offer announced none (some send one anyway). */
  unannouncedWaitMs: number;
  onEvent: EventSink;
}

export interface JingleVerifier {
  digest: { algorithm: string; check(digest: Buffer): Promise<void> };
  /** The outcome once checked. */
  outcome(): HashOutcome | undefined;
}

export function jingleVerifier(o: JingleVerifyOptions): JingleVerifier {
  const named = [...o.description.hashes.map((h) => h.algo), ...(o.description.hashUsed ?? [])];
  const algo = (['sha-256', ...named] as HashAlgo[]).find((a) => (named.length === 0 || named.includes(a)) && NODE_NAMES[a]) ?? 'sha-256';
  let outcome: HashOutcome | undefined;
  return {
    digest: {
      algorithm: NODE_NAMES[algo]!,
      async check(digest) {
        const ours = hashFromDigest(algo, digest);
        const expected = await o.incoming.expectedHash([algo], named.length > 0 ? o.checksumWaitMs : o.unannouncedWaitMs);
        const verified = expected ? hashDigest(expected).equals(digest) : null;
        outcome = { algo, value: ours.value, verified, ...(expected?.encoding ? { encoding: expected.encoding } : {}) };
        o.onEvent({ kind: 'hash', sid: o.sid, hash: outcome });
        if (verified === false) throw new Xep65Error('integrity', `${algo} of the data is ${ours.value}, the sender said ${expected!.value}`);
      },
    },
    outcome: () => outcome,
  };
}

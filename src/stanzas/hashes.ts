// Hashes (XEP-0300 §3 "XML Format"): <hash algo='…'>value</hash> and <hash-used algo='…'/> in
// urn:xmpp:hashes:2, and each algorithm's disco feature (§5, §9.3).
//
// The value rule. §3 says base64 of the digest. FIELD-NOTES ("Jingle File Transfer as real clients
// speak it") has peers sending the hex of the digest, and Libervia sending base64 of that hex text.
// The algorithm fixes the digest length n (32 bytes for sha-256), and then the three forms have
// distinct lengths: hex is 2n characters (64), base64 of the digest 4⌈n/3⌉ (44), base64 of the hex
// 4⌈2n/3⌉ (88). After dropping whitespace (wrapped or pretty-printed values):
//   1. exactly 2n hex digits, either case          → hex;
//   2. strict base64 that decodes to n bytes        → base64, the spec's form;
//   3. strict base64 that decodes to 2n hex digits  → base64 of hex (Libervia);
// anything else is refused. A parsed Hash holds the canonical base64 of the digest and names a
// non-standard form in `encoding`; we only ever send the spec's form.
import xml, { type Element } from '@xmpp/xml';
import { Xep65Error } from '../errors.js';
import { NS_HASHES, NS_HASH_TEXT_NAMES } from './ns.js';
import { accept, attr, quote, refuse, type Parsed } from './wire-values.js';

/** IANA hash names (and XEP-0300's additions) we can read, with their digest length in bytes. */
export const HASH_ALGOS = {
  md5: 16,
  'sha-1': 20,
  'sha-256': 32,
  'sha-384': 48,
  'sha-512': 64,
  'sha3-256': 32,
  'sha3-512': 64,
  'blake2b-256': 32,
  'blake2b-512': 64,
} as const;

export type HashAlgo = keyof typeof HASH_ALGOS;
/** How a peer wrote a value when it did not follow §3 (absent: base64 of the digest). */
export type HashEncoding = 'hex' | 'base64-hex';

export interface Hash {
  algo: HashAlgo;
  /** Canonical base64 of the digest. */
  value: string;
  encoding?: HashEncoding;
}

export type HashRefusal = 'unknown-algo' | 'no-value' | 'bad-value';

const HEX = /^[0-9a-fA-F]*$/;
/** The alphabet and at most two '='; with the exact length checked first, the strict base64 of RFC 4648 §4. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isHashAlgo(value: unknown): value is HashAlgo {
  return typeof value === 'string' && Object.hasOwn(HASH_ALGOS, value);
}

/** The disco#info feature that says we support `algo` (§5). */
export function hashFeature(algo: HashAlgo): string {
  return `${NS_HASH_TEXT_NAMES}${algo}`;
}

export function buildHash(hash: Hash): Element {
  return xml('hash', { xmlns: NS_HASHES, algo: hash.algo }, hash.value);
}

export function buildHashUsed(algo: HashAlgo): Element {
  return xml('hash-used', { xmlns: NS_HASHES, algo });
}

/** Our own digest as a Hash; a digest of the wrong length is a bug here, not a peer's doing. */
export function hashFromDigest(algo: HashAlgo, digest: Uint8Array): Hash {
  if (digest.length !== HASH_ALGOS[algo]) throw new Xep65Error('internal', `a ${algo} digest has ${HASH_ALGOS[algo]} bytes, got ${digest.length}`);
  return { algo, value: Buffer.from(digest).toString('base64') };
}

/** The digest bytes of a Hash. */
export function hashDigest(hash: Hash): Buffer {
  return Buffer.from(hash.value, 'base64');
}

/** A value in any of the three forms, as digest bytes (see the rule at the top), or undefined. */
export function decodeHashValue(algo: HashAlgo, text: string): { digest: Buffer; encoding?: HashEncoding } | undefined {
  const n = HASH_ALGOS[algo];
  const t = text.replace(/\s+/g, '');
  if (t.length === 2 * n && HEX.test(t)) return { digest: Buffer.from(t, 'hex'), encoding: 'hex' };
  if (t.length === base64Length(n) && BASE64.test(t)) {
    const digest = Buffer.from(t, 'base64');
    return digest.length === n ? { digest } : undefined;
  }
  if (t.length === base64Length(2 * n) && BASE64.test(t)) {
    const hex = Buffer.from(t, 'base64').toString('latin1');
    return hex.length === 2 * n && HEX.test(hex) ? { digest: Buffer.from(hex, 'hex'), encoding: 'base64-hex' } : undefined;
  }
  return undefined;
}

/** A <hash/> with a value. An empty one is 'no-value': XEP-0234 §5 lets it stand for hash-used. */
export function parseHash(el: Element): Parsed<Hash, HashRefusal> {
  const algo = algoOf(el);
  if (!algo) return refuse('unknown-algo', `unknown hash algorithm ${quote(el.attrs.algo ?? '')}`);
  const text = el.getText();
  if (text.trim() === '') return refuse('no-value', `the ${algo} hash has no value`);
  const decoded = decodeHashValue(algo, text);
  if (!decoded) return refuse('bad-value', `the ${algo} hash value ${quote(text.trim())} is not base64 or hex of ${HASH_ALGOS[algo]} bytes`);
  const hash: Hash = { algo, value: decoded.digest.toString('base64') };
  if (decoded.encoding) hash.encoding = decoded.encoding;
  return accept(hash);
}

export function parseHashUsed(el: Element): Parsed<HashAlgo, 'unknown-algo'> {
  const algo = algoOf(el);
  return algo ? accept(algo) : refuse('unknown-algo', `unknown hash algorithm ${quote(el.attrs.algo ?? '')}`);
}

export interface HashList {
  hashes: Hash[];
  /** From <hash-used/> and from empty <hash/> (XEP-0234 §5), each algorithm once. */
  hashUsed: HashAlgo[];
}

/**
 * The urn:xmpp:hashes:2 children of `parent`. Unknown algorithms are skipped (we could not check
 * them anyway); a value we cannot read, or two different values for one algorithm, refuse the lot:
 * skipping them would silently downgrade to a transfer checked by size only.
 */
export function parseHashList(parent: Element): Parsed<HashList> {
  const hashes: Hash[] = [];
  const used = new Set<HashAlgo>();
  for (const el of parent.getChildren('hash', NS_HASHES)) {
    const parsed = parseHash(el);
    if (!parsed.ok) {
      if (parsed.reason === 'bad-value') return refuse('bad-request', parsed.message);
      const algo = algoOf(el);
      if (parsed.reason === 'no-value' && algo) used.add(algo);
      continue;
    }
    const same = hashes.find((h) => h.algo === parsed.value.algo);
    if (same && same.value !== parsed.value.value) return refuse('bad-request', `two different ${same.algo} values`);
    if (!same) hashes.push(parsed.value);
  }
  for (const el of parent.getChildren('hash-used', NS_HASHES)) {
    const parsed = parseHashUsed(el);
    if (parsed.ok) used.add(parsed.value);
  }
  return accept({ hashes, hashUsed: [...used] });
}

/** XEP-0096's MD5 lowercase hex as a Hash (for SI offers), or undefined when it is not 32 hex digits. */
export function md5HexToHash(hex: string): Hash | undefined {
  return /^[0-9a-fA-F]{32}$/.test(hex) ? { algo: 'md5', value: Buffer.from(hex, 'hex').toString('base64') } : undefined;
}

/** An MD5 Hash as XEP-0096's lowercase hex; undefined for other algorithms. */
export function hashToMd5Hex(hash: Hash): string | undefined {
  return hash.algo === 'md5' ? hashDigest(hash).toString('hex') : undefined;
}

/** The 'algo' attribute as a known algorithm; IANA names are lowercase, we also take 'SHA-256'. */
function algoOf(el: Element): HashAlgo | undefined {
  const algo = attr(el, 'algo')?.toLowerCase();
  return isHashAlgo(algo) ? algo : undefined;
}

function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

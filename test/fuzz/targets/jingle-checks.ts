// Random valid Jingle values (seeds) and the promises every parsed Jingle value keeps, shared by
// the fuzz targets in jingle.ts (XEP-0166, XEP-0234, XEP-0300) and jingle-transports.ts
// (XEP-0260, XEP-0261).
import assert from 'node:assert/strict';
import { NS_HASHES, NS_JINGLE, NS_JINGLE_ERRORS, NS_JINGLE_FT, NS_JINGLE_FT_3, NS_JINGLE_FT_4, NS_JINGLE_FT_ERRORS, NS_JINGLE_IBB, NS_JINGLE_S5B } from '../../../src/stanzas/ns.js';
import type { FileDescription } from '../../../src/stanzas/file.js';
import { HASH_ALGOS, isHashAlgo, type Hash, type HashAlgo } from '../../../src/stanzas/hashes.js';
import { randomBytes } from '../mutate.js';
import type { Rng } from '../prng.js';
import { fileName, word } from '../values.js';
import type { Vocabulary } from '../xml.js';
import { keysWithin, nonEmpty } from './stanza-target.js';

export const JINGLE_VOCAB: Vocabulary = {
  names: [
    'jingle', 'content', 'description', 'transport', 'reason', 'text', 'sid', 'success', 'busy', 'alternative-session', 'file', 'name', 'size',
    'media-type', 'date', 'desc', 'range', 'hash', 'hash-used', 'checksum', 'received', 'candidate', 'candidate-used', 'candidate-error',
    'activated', 'proxy-error', 'file-too-large',
  ],
  attrs: [
    'xmlns', 'action', 'sid', 'initiator', 'responder', 'creator', 'name', 'senders', 'disposition', 'algo', 'offset', 'length', 'cid', 'host',
    'jid', 'port', 'priority', 'type', 'mode', 'dstaddr', 'block-size', 'stanza', 'xml:lang',
  ],
  namespaces: [
    NS_JINGLE, NS_JINGLE_FT, NS_JINGLE_FT_3, NS_JINGLE_FT_4, NS_HASHES, NS_JINGLE_S5B, NS_JINGLE_IBB, NS_JINGLE_ERRORS, NS_JINGLE_FT_ERRORS,
    'jabber:client', '', 'urn:xmpp:hashes:1',
  ],
};

const ALGOS = Object.keys(HASH_ALGOS) as HashAlgo[];

/** Hashes with distinct algorithms, each a canonical base64 digest of the right length. */
export function hashes(rng: Rng, max = 3): Hash[] {
  const algos = ALGOS.filter(() => rng.chance(max / ALGOS.length));
  return algos.map((algo) => ({ algo, value: randomBytes(rng, HASH_ALGOS[algo]).toString('base64') }));
}

export function file(rng: Rng): FileDescription {
  const f: FileDescription = { name: fileName(rng), size: rng.pick([0, 1, 6144, Number.MAX_SAFE_INTEGER, rng.below(2 ** 40)]), hashes: hashes(rng) };
  if (rng.chance(0.5)) f.mediaType = rng.pick(['text/plain', 'image/jpeg', `x/${word(rng).replace(/\W/g, 'x')}`]);
  if (rng.chance(0.5)) f.date = new Date(rng.below(2 ** 31) * 1000).toISOString();
  if (rng.chance(0.3)) f.desc = word(rng, 1, 60);
  const used = ALGOS.filter(() => rng.chance(0.15));
  if (used.length > 0) f.hashUsed = used;
  if (rng.chance(0.4)) f.range = { offset: rng.pick([0, 0, 1, 270336]), ...(rng.chance(0.5) ? { length: rng.below(2 ** 32) } : {}) };
  return f;
}

export function checkHash(h: Hash): void {
  keysWithin(h, ['algo', 'value', 'encoding']);
  assert.ok(isHashAlgo(h.algo), `algo ${h.algo}`);
  const digest = Buffer.from(h.value, 'base64');
  assert.equal(digest.length, HASH_ALGOS[h.algo], `${h.algo} digest length`);
  assert.equal(digest.toString('base64'), h.value, 'value is not canonical base64');
  assert.ok(h.encoding === undefined || h.encoding === 'hex' || h.encoding === 'base64-hex');
}

export function checkHashes(list: readonly Hash[]): void {
  list.forEach(checkHash);
  assert.equal(new Set(list.map((h) => h.algo)).size, list.length, 'an algorithm twice');
}

function checkCount(n: number | undefined, what: string): void {
  assert.ok(n === undefined || (Number.isSafeInteger(n) && n >= 0), `${what} ${n}`);
}

export function checkFile(f: FileDescription): void {
  keysWithin(f, ['name', 'size', 'mediaType', 'date', 'desc', 'hashes', 'hashUsed', 'range']);
  nonEmpty(f.name, 'name');
  checkCount(f.size, 'size');
  for (const key of ['mediaType', 'date', 'desc'] as const) if (key in f) nonEmpty(f[key], key);
  checkHashes(f.hashes);
  if (f.hashUsed !== undefined) {
    assert.ok(f.hashUsed.length > 0 && f.hashUsed.every(isHashAlgo) && new Set(f.hashUsed).size === f.hashUsed.length, 'hashUsed');
  }
  if (f.range) {
    checkCount(f.range.offset, 'offset');
    checkCount(f.range.length, 'length');
  }
}

/** A refusal: one of `reasons`, with a message. */
export function checkRefusal(r: { reason: string; message: string }, reasons: readonly string[]): 'none' {
  keysWithin(r, ['ok', 'reason', 'message']);
  assert.ok(reasons.includes(r.reason), `reason ${r.reason}`);
  assert.equal(typeof r.message, 'string');
  assert.ok(r.message.length < 400, 'message too long: peer text is quoted short');
  return 'none';
}

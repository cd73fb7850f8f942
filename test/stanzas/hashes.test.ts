// XEP-0300 §3: <hash/> and <hash-used/>; values in the spec's base64, in hex, and in Libervia's
// base64-of-hex (FIELD-NOTES), normalised to the digest's canonical base64; the SI MD5 mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import {
  buildHash,
  buildHashUsed,
  decodeHashValue,
  hashDigest,
  hashFeature,
  hashFromDigest,
  hashToMd5Hex,
  md5HexToHash,
  parseHash,
  parseHashList,
  parseHashUsed,
} from '../../src/stanzas/hashes.js';
import { NS_HASH_SHA256_TEXT } from '../../src/stanzas/ns.js';

const xml = (s: string) => parse(s) as unknown as Element;
const NS = 'urn:xmpp:hashes:2';
const digest = createHash('sha256').update('hello, jingle').digest();
const B64 = digest.toString('base64');
const HEX = digest.toString('hex');
const B64_OF_HEX = Buffer.from(HEX).toString('base64');
const hashEl = (algo: string, value: string) => xml(`<hash xmlns='${NS}' algo='${algo}'>${value}</hash>`);

test('builds <hash/> and <hash-used/> as in XEP-0300 §3', () => {
  assert.equal(
    buildHash({ algo: 'sha-256', value: '2XarmwTlNxDAMkvymloX3S5+VbylNrJt/l5QyPa+YoU=' }).toString(),
    `<hash xmlns="${NS}" algo="sha-256">2XarmwTlNxDAMkvymloX3S5+VbylNrJt/l5QyPa+YoU=</hash>`,
  );
  assert.equal(buildHashUsed('sha-256').toString(), `<hash-used xmlns="${NS}" algo="sha-256"/>`);
  assert.equal(hashFeature('sha-256'), NS_HASH_SHA256_TEXT);
});

test('the spec examples parse (§3: sha-1 and sha-256)', () => {
  assert.deepEqual(parseHash(hashEl('sha-256', '2XarmwTlNxDAMkvymloX3S5+VbylNrJt/l5QyPa+YoU=')), {
    ok: true,
    value: { algo: 'sha-256', value: '2XarmwTlNxDAMkvymloX3S5+VbylNrJt/l5QyPa+YoU=' },
  });
  assert.deepEqual(parseHash(hashEl('sha-1', '2AfMGH8O7UNPTvUVAM9aK13mpCY=')), { ok: true, value: { algo: 'sha-1', value: '2AfMGH8O7UNPTvUVAM9aK13mpCY=' } });
  assert.deepEqual(parseHashUsed(xml(`<hash-used xmlns='${NS}' algo='sha-256'/>`)), { ok: true, value: 'sha-256' });
});

test('one sha-256 in three encodings gives one value; the non-standard ones are named', () => {
  assert.deepEqual(parseHash(hashEl('sha-256', B64)), { ok: true, value: { algo: 'sha-256', value: B64 } });
  assert.deepEqual(parseHash(hashEl('sha-256', HEX)), { ok: true, value: { algo: 'sha-256', value: B64, encoding: 'hex' } });
  assert.deepEqual(parseHash(hashEl('sha-256', HEX.toUpperCase())), { ok: true, value: { algo: 'sha-256', value: B64, encoding: 'hex' } });
  assert.deepEqual(parseHash(hashEl('sha-256', B64_OF_HEX)), { ok: true, value: { algo: 'sha-256', value: B64, encoding: 'base64-hex' } });
  // Pretty-printed or wrapped values: whitespace is not part of the value.
  assert.deepEqual(parseHash(hashEl('sha-256', `\n  ${B64_OF_HEX.slice(0, 76)}\r\n${B64_OF_HEX.slice(76)}\n`)), {
    ok: true,
    value: { algo: 'sha-256', value: B64, encoding: 'base64-hex' },
  });
});

test('the length of each form follows from the algorithm (hex 2n, base64 4⌈n/3⌉, base64 of hex 4⌈2n/3⌉)', () => {
  for (const [algo, n] of [['md5', 16], ['sha-1', 20], ['sha-256', 32], ['sha-512', 64], ['sha3-256', 32], ['blake2b-256', 32]] as const) {
    const d = Buffer.alloc(n, 0xab);
    assert.deepEqual(decodeHashValue(algo, d.toString('base64')), { digest: d }, algo);
    assert.deepEqual(decodeHashValue(algo, d.toString('hex')), { digest: d, encoding: 'hex' }, algo);
    assert.deepEqual(decodeHashValue(algo, Buffer.from(d.toString('hex')).toString('base64')), { digest: d, encoding: 'base64-hex' }, algo);
  }
});

test('garbage is refused: wrong length, bad alphabet, bad padding, base64 of non-hex text, other algos', () => {
  const bad = [
    B64.slice(0, -4), // 29 bytes
    `${B64}AAAA`,
    HEX.slice(1), // 63 hex digits
    `${HEX}00`,
    `${HEX.slice(0, -1)}g`,
    B64.replace('=', 'A'), // 44 characters, 33 bytes
    `${B64.slice(0, 40)}*AA=`,
    `${B64.slice(0, 41)}==`, // misplaced padding, 31 bytes
    Buffer.alloc(64, 'z').toString('base64'), // 64 bytes, not hex digits
    createHash('sha512').update('x').digest('base64'), // a sha-512 value under algo sha-256
  ];
  for (const value of bad) assert.equal(parseHash(hashEl('sha-256', value)).ok, false, value);
  assert.deepEqual(parseHash(hashEl('sha-256', '  ')), { ok: false, reason: 'no-value', message: 'the sha-256 hash has no value' });
  assert.equal((parseHash(hashEl('sha-256', 'nope')) as { reason: string }).reason, 'bad-value');
  assert.equal((parseHash(hashEl('sha-257', B64)) as { reason: string }).reason, 'unknown-algo');
  assert.equal((parseHash(xml(`<hash xmlns='${NS}'>${B64}</hash>`)) as { reason: string }).reason, 'unknown-algo');
  assert.equal((parseHashUsed(xml(`<hash-used xmlns='${NS}' algo='toString'/>`)) as { reason: string }).reason, 'unknown-algo');
});

test('a list: unknown algorithms skipped, empty <hash/> counts as hash-used, unreadable or conflicting values refuse the lot', () => {
  const list = (inner: string) => parseHashList(xml(`<file xmlns='urn:x'>${inner}</file>`));
  assert.deepEqual(
    list(`<hash xmlns='${NS}' algo='SHA-256'>${HEX}</hash><hash xmlns='${NS}' algo='sha-999'>x</hash><hash xmlns='${NS}' algo='sha-1'/>` +
      `<hash-used xmlns='${NS}' algo='sha-512'/><hash-used xmlns='${NS}' algo='sha-1'/><hash-used xmlns='${NS}' algo='crc'/><hash algo='sha-256'>junk</hash>`),
    { ok: true, value: { hashes: [{ algo: 'sha-256', value: B64, encoding: 'hex' }], hashUsed: ['sha-1', 'sha-512'] } },
  );
  assert.deepEqual(list(`<hash xmlns='${NS}' algo='sha-256'>${B64}</hash><hash xmlns='${NS}' algo='sha-256'>${B64_OF_HEX}</hash>`), {
    ok: true,
    value: { hashes: [{ algo: 'sha-256', value: B64 }], hashUsed: [] },
  });
  assert.equal(list(`<hash xmlns='${NS}' algo='sha-256'>${B64}</hash><hash xmlns='${NS}' algo='sha-256'>${Buffer.alloc(32).toString('base64')}</hash>`).ok, false);
  assert.equal(list(`<hash xmlns='${NS}' algo='sha-256'>${B64}</hash><hash xmlns='${NS}' algo='sha-1'>${B64}</hash>`).ok, false);
});

test('our own digests and the XEP-0096 MD5 hex map to and from Hash', () => {
  assert.deepEqual(hashFromDigest('sha-256', digest), { algo: 'sha-256', value: B64 });
  assert.ok(hashDigest({ algo: 'sha-256', value: B64 }).equals(digest));
  assert.throws(() => hashFromDigest('sha-256', Buffer.alloc(20)), /32 bytes/);
  const md5 = md5HexToHash('552DA749930852C69AE5D2141D3766B1');
  assert.deepEqual(md5, { algo: 'md5', value: 'VS2nSZMIUsaa5dIUHTdmsQ==' });
  assert.equal(hashToMd5Hex(md5!), '552da749930852c69ae5d2141d3766b1');
  assert.equal(md5HexToHash('552da749'), undefined);
  assert.equal(hashToMd5Hex({ algo: 'sha-256', value: B64 }), undefined);
});

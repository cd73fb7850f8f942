// XEP-0047 stanzas: open (§2.1), data with strict base64 and 16-bit seq (§2.2, §7), close (§2.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { buildIbbClose, buildIbbData, buildIbbOpen, nextSeq, parseIbbClose, parseIbbData, parseIbbOpen } from '../../src/stanzas/ibb.js';

const xml = (s: string) => parse(s) as unknown as Element;
const NS = 'http://jabber.org/protocol/ibb';

test('open: block-size and stanza; sizes over 65535 refused', () => {
  assert.equal(buildIbbOpen('i781hf64', 4096).toString(), `<open xmlns="${NS}" sid="i781hf64" block-size="4096" stanza="iq"/>`);
  assert.deepEqual(parseIbbOpen(buildIbbOpen('s', 4096)), { sid: 's', blockSize: 4096, stanza: 'iq' });
  assert.equal(parseIbbOpen(xml(`<open xmlns='${NS}' sid='s' block-size='65536'/>`)), undefined);
  assert.equal(parseIbbOpen(xml(`<open xmlns='${NS}' block-size='4096'/>`)), undefined);
  // Issue 10: Number() took these as 1000, 16 and 42.
  for (const size of ['1e3', '0x10', ' 42 ', '', '4096.0', '-1']) {
    assert.equal(parseIbbOpen(xml(`<open xmlns='${NS}' sid='s' block-size='${size}'/>`)), undefined, size);
  }
});

test('data: seq is plain decimal (an empty or exponent seq is not 0 or 1000)', () => {
  for (const seq of ['', '1e3', '0x1', ' 1']) {
    assert.equal(parseIbbData(xml(`<data xmlns='${NS}' sid='s' seq='${seq}'>AAAA</data>`)), undefined, seq);
  }
});

test('data: base64 round trip; characters outside the alphabet or misplaced padding rejected', () => {
  const data = Buffer.from('hello, in-band world');
  assert.deepEqual(parseIbbData(buildIbbData('s', 7, data)), { sid: 's', seq: 7, data });
  assert.equal(parseIbbData(xml(`<data xmlns='${NS}' sid='s' seq='0'>=AAA</data>`)), undefined);
  assert.equal(parseIbbData(xml(`<data xmlns='${NS}' sid='s' seq='0'>BBBB=CCC</data>`)), undefined);
  assert.equal(parseIbbData(xml(`<data xmlns='${NS}' sid='s' seq='0'>AA*A</data>`)), undefined);
  assert.equal(parseIbbData(xml(`<data xmlns='${NS}' sid='s' seq='65536'>AAAA</data>`)), undefined);
  for (const text of ['A', 'AA', 'AAA', 'A===', '====', 'AA=A', 'AAAAA=', 'AA==AAAA']) {
    assert.equal(parseIbbData(xml(`<data xmlns='${NS}' sid='s' seq='0'>${text}</data>`)), undefined, text);
  }
  assert.deepEqual(parseIbbData(xml(`<data xmlns='${NS}' sid='s' seq='0'>AA==</data>`))?.data, Buffer.from([0]));
  assert.deepEqual(parseIbbData(xml(`<data xmlns='${NS}' sid='s' seq='0'>AAA=</data>`))?.data, Buffer.from([0, 0]));
});

// Found by the fuzz run's giant cases: the check ran out of regular-expression stack and threw a
// RangeError on 4.5 million characters. Oversized data is the target's to refuse (§2.2), not a crash.
test('data: millions of base64 characters are decoded, not a RangeError', () => {
  const data = Buffer.alloc(4_500_000, 7);
  const parsed = parseIbbData(buildIbbData('s', 0, data));
  assert.ok(parsed?.data.equals(data));
  assert.equal(parseIbbData(xml(`<data xmlns='${NS}' sid='s' seq='0'>${'A'.repeat(6_000_000)}!</data>`)), undefined);
});

test('seq wraps after 65535; close carries the sid', () => {
  assert.equal(nextSeq(0), 1);
  assert.equal(nextSeq(65535), 0);
  assert.equal(parseIbbClose(buildIbbClose('abc')), 'abc');
});

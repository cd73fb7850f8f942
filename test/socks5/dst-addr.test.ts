// XEP-0065 §5.3.2 / §6.3.2: DST.ADDR = hex SHA1(SID + Requester JID + Target JID).
// Expected values were computed outside Node, e.g.
//   printf %s 'vxf9n471bn46requester@example.com/footarget@example.org/bar' | sha1sum
// The spec's examples name the inputs but never print a hash ("SHA1 Hash of: (SID + ...)").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dstAddr } from '../../src/socks5/dst-addr.js';

test('dstAddr of the XEP-0065 example sid and JIDs (§5.3.2)', () => {
  assert.equal(
    dstAddr('vxf9n471bn46', 'requester@example.com/foo', 'target@example.org/bar'),
    '98b8d688d0f5d895fd41c5e7309a2e9e33ba32ff',
  );
});

test('dstAddr hashes non-ASCII JIDs as UTF-8', () => {
  // printf 'sid1r\xc3\xb3meo@example.net/\xc3\xb8rchardj\xc3\xbcliet@example.com/b\xc3\xa5lcony' | sha1sum
  assert.equal(
    dstAddr('sid1', 'rómeo@example.net/ørchard', 'jüliet@example.com/bålcony'),
    '60907fb5b06035234d18197bad4636aa75122cf1',
  );
});

test('dstAddr is 40 lowercase hex digits, depends on order, and does not normalise JIDs', () => {
  const value = dstAddr('vxf9n471bn46', 'requester@example.com/foo', 'target@example.org/bar');
  assert.match(value, /^[0-9a-f]{40}$/);
  assert.notEqual(dstAddr('vxf9n471bn46', 'target@example.org/bar', 'requester@example.com/foo'), value);
  assert.notEqual(dstAddr('vxf9n471bn46', 'Requester@example.com/foo', 'target@example.org/bar'), value);
});

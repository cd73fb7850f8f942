// Hex tables for the SOCKS5 subset of XEP-0065 §10.2 / RFC 1928 §3-6, every message split at
// every byte offset and followed by trailing data (ARCHITECTURE rule 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ATYP_DOMAIN,
  ATYP_IPV4,
  ATYP_IPV6,
  CMD_CONNECT,
  CMD_UDP_ASSOCIATE,
  METHOD_NONE_ACCEPTABLE,
  METHOD_NO_AUTH,
  REP_NOT_ALLOWED,
  REP_SUCCEEDED,
  decodeGreeting,
  decodeMethodSelection,
  decodeReply,
  decodeRequest,
  encodeGreeting,
  encodeMethodSelection,
  encodeReply,
  encodeRequest,
  type Decoded,
} from '../../src/socks5/codec.js';

const DST = '98b8d688d0f5d895fd41c5e7309a2e9e33ba32ff';
const DST_HEX = Buffer.from(DST, 'latin1').toString('hex');

interface Case {
  name: string;
  encoded: Buffer;
  hex: string;
  decode: (buf: Buffer) => Decoded<unknown>;
  value: unknown;
}

const cases: Case[] = [
  { name: 'greeting [0] (RFC 1928 §3)', encoded: encodeGreeting([METHOD_NO_AUTH]), hex: '050100', decode: decodeGreeting, value: { methods: [0] } },
  { name: 'greeting [0, 2]', encoded: encodeGreeting([0, 2]), hex: '05020002', decode: decodeGreeting, value: { methods: [0, 2] } },
  { name: 'method selection 0', encoded: encodeMethodSelection(METHOD_NO_AUTH), hex: '0500', decode: decodeMethodSelection, value: { method: 0 } },
  { name: 'method selection 0xff', encoded: encodeMethodSelection(METHOD_NONE_ACCEPTABLE), hex: '05ff', decode: decodeMethodSelection, value: { method: 255 } },
  {
    name: 'CONNECT, ATYP 3, 40-char DST.ADDR, port 0 (XEP-0065 §10.2): 47 bytes',
    encoded: encodeRequest(CMD_CONNECT, DST, 0),
    hex: `0501000328${DST_HEX}0000`,
    decode: decodeRequest,
    value: { cmd: CMD_CONNECT, atyp: ATYP_DOMAIN, host: DST, port: 0 },
  },
  {
    name: 'UDP ASSOCIATE request',
    encoded: encodeRequest(CMD_UDP_ASSOCIATE, 'a.b', 1),
    hex: '0503000303612e620001',
    decode: decodeRequest,
    value: { cmd: CMD_UDP_ASSOCIATE, atyp: ATYP_DOMAIN, host: 'a.b', port: 1 },
  },
  {
    name: 'success reply echoing DST.ADDR (XEP-0065 §5.3.2)',
    encoded: encodeReply(REP_SUCCEEDED, { atyp: ATYP_DOMAIN, host: DST, port: 0 }),
    hex: `0500000328${DST_HEX}0000`,
    decode: decodeReply,
    value: { rep: 0, atyp: ATYP_DOMAIN, host: DST, port: 0 },
  },
  {
    name: 'reply with an IPv4 BND.ADDR (as Pidgin sends)',
    encoded: encodeReply(REP_SUCCEEDED, { atyp: ATYP_IPV4, host: '192.168.4.1', port: 5086 }),
    hex: '05000001c0a8040113de',
    decode: decodeReply,
    value: { rep: 0, atyp: ATYP_IPV4, host: '192.168.4.1', port: 5086 },
  },
  {
    name: 'refusal reply with an IPv6 BND.ADDR',
    encoded: encodeReply(REP_NOT_ALLOWED, { atyp: ATYP_IPV6, host: '2001:db8::1', port: 1080 }),
    hex: '0502000420010db80000000000000000000000010438',
    decode: decodeReply,
    value: { rep: 2, atyp: ATYP_IPV6, host: '2001:db8::1', port: 1080 },
  },
];

for (const c of cases) {
  test(`encodes ${c.name}`, () => {
    assert.equal(c.encoded.toString('hex'), c.hex);
  });

  test(`decodes ${c.name} split at every byte offset`, () => {
    const bytes = Buffer.from(c.hex, 'hex');
    for (let i = 0; i < bytes.length; i++) assert.equal(c.decode(bytes.subarray(0, i)), null, `prefix of ${i} bytes`);
    const whole = c.decode(bytes);
    assert.ok(whole);
    assert.deepEqual(whole.value, c.value);
    assert.equal(whole.rest.length, 0);
  });

  test(`decodes ${c.name} followed by trailing bytes, handed back as rest without a copy`, () => {
    const bytes = Buffer.concat([Buffer.from(c.hex, 'hex'), Buffer.from('file data')]);
    const decoded = c.decode(bytes);
    assert.ok(decoded);
    assert.deepEqual(decoded.value, c.value);
    assert.equal(decoded.rest.toString(), 'file data');
    assert.equal(decoded.rest.buffer, bytes.buffer);
  });
}

test('IPv6 BND.ADDR is decoded to RFC 5952 text', () => {
  const texts: [string, string][] = [
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    ['fe800000000000000000000000000000', 'fe80::'],
  ];
  for (const [hex, text] of texts) {
    const decoded = decodeReply(Buffer.from(`05000004${hex}0000`, 'hex'));
    assert.equal(decoded?.value.host, text);
  }
});

test('IPv6 literals with "::" and an embedded IPv4 encode to 16 bytes', () => {
  const reply = encodeReply(0, { atyp: ATYP_IPV6, host: '::ffff:192.0.2.1', port: 0 });
  assert.equal(reply.subarray(4, 20).toString('hex'), '00000000000000000000ffffc0000201');
});

function assertProtocolError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Error);
    assert.equal((err as { code?: string }).code, 'protocol');
    assert.match(err.message, message);
    return true;
  });
}

test('malformed input that can never become valid throws with code protocol', () => {
  assertProtocolError(() => decodeGreeting(Buffer.from('04', 'hex')), /version 4/);
  assertProtocolError(() => decodeGreeting(Buffer.from('0500', 'hex')), /no methods/);
  assertProtocolError(() => decodeMethodSelection(Buffer.from('0400', 'hex')), /version 4/);
  assertProtocolError(() => decodeRequest(Buffer.from('04010003', 'hex')), /version 4/);
  assertProtocolError(() => decodeRequest(Buffer.from('05010002', 'hex')), /address type 2/);
  assertProtocolError(() => decodeReply(Buffer.from('0500000900', 'hex')), /address type 9/);
  assertProtocolError(() => decodeReply(Buffer.from('ff', 'hex')), /version 255/);
});

test('values that cannot be encoded throw before anything is sent', () => {
  assert.throws(() => encodeRequest(CMD_CONNECT, 'x'.repeat(256), 0), /longer than 255/);
  assert.throws(() => encodeRequest(CMD_CONNECT, 'caf\u20ac', 0), /not latin1/);
  assert.throws(() => encodeRequest(CMD_CONNECT, DST, 65536), /port out of range/);
  assert.throws(() => encodeReply(0, { atyp: ATYP_IPV4, host: '1.2.3.256', port: 0 }), /not an IPv4/);
  assert.throws(() => encodeReply(0, { atyp: ATYP_IPV6, host: '1::2::3', port: 0 }), /not an IPv6/);
  assert.throws(() => encodeGreeting([]), /1-255 methods/);
});

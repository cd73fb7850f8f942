// Fuzz targets for the SOCKS5 codec (RFC 1928 §3-6, XEP-0065 §5.3.2/§6.3.2/§10.2). Beyond "a
// value, null or a protocol error", each decoder is held to ARCHITECTURE rule 2: a value consumes
// a prefix and hands the rest back untouched; one byte less is "need more", not an error; more
// bytes change neither value nor error; and what it decoded re-encodes to the same bytes.
import assert from 'node:assert/strict';
import {
  ATYP_DOMAIN,
  ATYP_IPV4,
  ATYP_IPV6,
  decodeGreeting,
  decodeMethodSelection,
  decodeReply,
  decodeRequest,
  encodeGreeting,
  encodeMethodSelection,
  encodeReply,
  encodeRequest,
  type Decoded,
  type Socks5Address,
} from '../../../src/socks5/codec.js';
import type { FuzzTarget, Target } from '../engine.js';
import { POOL, jsLiteral } from '../engine.js';
import { mutateBytes, randomBytes } from '../mutate.js';
import type { Rng } from '../prng.js';
import { hex, ipv4, ipv6Bytes, port } from '../values.js';

interface BytesInput {
  bytes: Buffer;
  /** An undamaged message (perhaps with more after it): it must decode to a value. */
  whole: boolean;
}

const EXTRA = Buffer.from('050100dead', 'hex');
type Kind = 'greeting' | 'method' | 'request' | 'reply';

function greeting(rng: Rng): Buffer {
  const count = rng.weighted([[6, 1], [3, 2], [1, rng.int(3, 255)]] as const);
  return encodeGreeting(Array.from({ length: count }, () => rng.pick([0, 1, 2, 0xff, rng.below(256)])));
}

/** IPv6 text in the forms peers write: full, compressed by us, upper case, v4-mapped. */
function ipv6Text(rng: Rng): string {
  const bytes = ipv6Bytes(rng);
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  if (rng.chance(0.2)) return `::ffff:${ipv4(rng)}`;
  if (rng.chance(0.2)) return groups.join(':').toUpperCase();
  return groups.join(':');
}

function address(rng: Rng): Socks5Address {
  const atyp = rng.weighted([[3, ATYP_DOMAIN], [1, ATYP_IPV4], [1, ATYP_IPV6]] as const);
  const host =
    atyp === ATYP_IPV4 ? ipv4(rng) : atyp === ATYP_IPV6 ? ipv6Text(rng) : rng.chance(0.7) ? hex(rng, 40) : randomLatin1(rng, rng.below(256));
  return { atyp, host, port: rng.chance(0.6) ? 0 : port(rng) };
}

function randomLatin1(rng: Rng, length: number): string {
  return String.fromCharCode(...Array.from({ length }, () => rng.below(256)));
}

function message(rng: Rng, kind: Kind): Buffer {
  switch (kind) {
    case 'greeting':
      return greeting(rng);
    case 'method':
      return encodeMethodSelection(rng.pick([0, 0xff, rng.below(256)]));
    case 'request':
      // We always send ATYP 3 (XEP-0065 §10.2); other clients may send any type, same layout as a reply.
      return rng.chance(0.7) ? encodeRequest(rng.pick([1, 2, 3, rng.below(256)]), hex(rng, 40), 0) : encodeReply(rng.pick([1, 3]), address(rng));
    default:
      return encodeReply(rng.pick([0, 1, 2, 4, 5, 7, 8, rng.below(256)]), address(rng));
  }
}

/** Valid messages for a block of cases: mostly of the decoder's own kind, some of the others. */
function pool(rng: Rng, kind: Kind): Buffer[] {
  return Array.from({ length: POOL }, (_, i) => message(rng, i % 3 === 2 ? rng.pick(['greeting', 'method', 'request', 'reply'] as const) : kind));
}

function generate(rng: Rng, messages: readonly Buffer[]): BytesInput {
  const own = rng.pick(messages.filter((_, i) => i % 3 !== 2));
  const others = messages;
  return rng.weighted<() => BytesInput>([
    [10, () => ({ bytes: rng.chance(0.5) ? own : Buffer.concat([own, randomBytes(rng, rng.length())]), whole: true })],
    [70, () => ({ bytes: mutateBytes(rng, own, others), whole: false })],
    [5, () => ({ bytes: own.subarray(0, rng.below(own.length)), whole: false })],
    [15, () => ({ bytes: Buffer.concat([Buffer.from([rng.chance(0.7) ? 5 : rng.below(256)]), randomBytes(rng, rng.length())]), whole: false })],
  ])();
}

/** The rule-2 promises every decoder keeps, then `check` on the value and the bytes it consumed. */
function verifyDecoded<T>(decode: (b: Buffer) => Decoded<T>, input: BytesInput, result: Decoded<T>, check: (value: T, consumed: Buffer) => void): 'value' | 'none' {
  const buf = input.bytes;
  if (result === null) {
    assert.ok(!input.whole, 'a whole message came back as "need more"');
    for (const k of [buf.length - 1, buf.length >> 1]) if (k >= 0) assert.equal(decode(buf.subarray(0, k)), null, `prefix of ${k} bytes`);
    return 'none';
  }
  const consumed = buf.length - result.rest.length;
  assert.ok(consumed > 0, 'a value from no bytes');
  assert.ok(result.rest.equals(buf.subarray(consumed)), 'rest is not the bytes after the message');
  check(result.value, buf.subarray(0, consumed));
  assert.equal(decode(buf.subarray(0, consumed - 1)), null, 'one byte short must be "need more"');
  const more = decode(Buffer.concat([buf, EXTRA]));
  assert.ok(more !== null, 'more bytes made it "need more"');
  assert.deepEqual(more.value, result.value, 'more bytes changed the value');
  assert.ok(more.rest.equals(Buffer.concat([result.rest, EXTRA])), 'more bytes not handed back');
  return 'value';
}

/** IPv6 text as RFC 5952 wants it; the WHATWG URL serialiser is an independent implementation. */
function checkHost(addr: Socks5Address, consumed: Buffer): void {
  if (addr.atyp === ATYP_IPV6) assert.equal(`[${addr.host}]`, new URL(`http://[${addr.host}]/`).hostname, 'IPv6 text not RFC 5952');
  if (addr.atyp === ATYP_DOMAIN) assert.equal(addr.host.length, consumed[4], 'domain length');
  assert.ok(Number.isInteger(addr.port) && addr.port >= 0 && addr.port <= 0xffff, 'port');
  const again = encodeReply(consumed[1]!, addr);
  again[2] = consumed[2]!; // RSV is not checked on decode, so it cannot be expected back
  assert.ok(again.equals(consumed), `re-encoded ${again.toString('hex')} != ${consumed.toString('hex')}`);
}

function target<T>(name: string, kind: Kind, decode: (b: Buffer) => Decoded<T>, check: (value: T, consumed: Buffer) => void): FuzzTarget {
  const t: Target<BytesInput, Decoded<T>, Buffer[]> = {
    name,
    errors: ['protocol'],
    prepare: (rng) => pool(rng, kind),
    generate: (rng, messages) => generate(rng, messages),
    decode: (input) => decode(input.bytes),
    verify: (input, result) => verifyDecoded(decode, input, result, check),
    verifyError(input, error) {
      // Rule 2: an error is decided by bytes already seen, so more bytes cannot undo it.
      assert.throws(() => decode(Buffer.concat([input.bytes, EXTRA])), { message: error.message });
    },
    size: (input) => input.bytes.length,
    show: (input, max) => `Buffer.from(${jsLiteral(input.bytes.toString('hex'), max)}, 'hex')`,
  };
  return t as FuzzTarget;
}

export const socks5Targets: FuzzTarget[] = [
  target('codec.decodeGreeting', 'greeting', decodeGreeting, (v, consumed) => {
    assert.ok(v.methods.length >= 1, 'no methods');
    assert.ok(encodeGreeting(v.methods).equals(consumed), 're-encoded greeting differs');
  }),
  target('codec.decodeMethodSelection', 'method', decodeMethodSelection, (v, consumed) => {
    assert.ok(encodeMethodSelection(v.method).equals(consumed), 're-encoded method selection differs');
  }),
  target('codec.decodeRequest', 'request', decodeRequest, ({ cmd, ...addr }, consumed) => {
    assert.equal(cmd, consumed[1]);
    checkHost(addr, consumed);
  }),
  target('codec.decodeReply', 'reply', decodeReply, ({ rep, ...addr }, consumed) => {
    assert.equal(rep, consumed[1]);
    checkHost(addr, consumed);
  }),
];

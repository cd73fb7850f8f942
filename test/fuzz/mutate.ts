// Mutators shared by every fuzz target: they start from a VALID input and damage it a little
// (bit flips, truncation, splicing with another valid input, insertion, repetition, boundary
// numbers), so that most cases get past the first checks and reach the deep paths of a decoder.
import type { Rng } from './prng.js';

/** Bytes that sit on a boundary of some SOCKS5 field (version, counts, ATYP, REP, lengths). */
const BOUNDARY_BYTES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0x0f, 0x10, 0x28, 0x7f, 0x80, 0xfe, 0xff];
/** 16-bit values on a boundary (ports, lengths). */
const BOUNDARY_U16 = [0, 1, 1080, 0x7fff, 0x8000, 0xfffe, 0xffff];

/** Number-like text that parsers tend to get wrong. */
export const BOUNDARY_NUMBERS = [
  '0', '1', '-1', '-0', '00', '007', '4096', '65535', '65536', '65537', '99999', '999999', '1000000',
  '4294967296', '9007199254740991', '9007199254740993', '9'.repeat(17), '9'.repeat(400), '1e3', '1E3', '0x10',
  '0b1', '0o7', ' 42 ', '42 ', '+1', '1.5', '4096.0', '.5', '1.', 'NaN', 'Infinity', '-Infinity', '', ' ',
  '١٢', '１２', '1_000',
];

/** Strings that parsers tend to get wrong: empty, unicode, control and direction characters, prototype names. */
export const NASTY_STRINGS = [
  '', ' ', '\t', '\n', '\r\n', '\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029',
  '\ufeff', '\u200e', '\u202e', '\u2066', '\ud800', '\udfff', '\udc00\ud800', 'é', 'e\u0301', '\u0301', '😀',
  '\u{10ffff}', '\ufffd', '.', '..', '...', '/', '\\', '//', './', '../', 'a/b', 'a\\b', '-', '--', '~', '&', '&amp;',
  '&lt;', '&#0;', '&#x41;', '&bogus;', '<', '>', '"', "'", '=', '#', '[', ']', ',', '@', '/', 'constructor',
  '__proto__', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'null', 'undefined', 'true', 'false',
  'a'.repeat(40), '0123456789abcdef0123456789abcdef01234567', 'D41D8CD98F00B204E9800998ECF8427E',
];

/** A character from one of a few classes: ASCII, controls, BMP, astral, lone surrogates, marks, bidi. */
export function randomChar(rng: Rng): string {
  switch (rng.below(10)) {
    case 0:
      return String.fromCharCode(rng.below(0x20));
    case 1:
      return String.fromCharCode(0xd800 + rng.below(0x800)); // a lone surrogate
    case 2:
      return String.fromCharCode(0x300 + rng.below(0x70)); // a combining mark
    case 3:
      return rng.pick(['\u200e', '\u200f', '\u202a', '\u202e', '\u2066', '\u2069', '\ufeff', '\u00a0', '\u3000', '\u0085']);
    case 4:
      return String.fromCodePoint(0x10000 + rng.below(0x100000));
    case 5:
      return String.fromCharCode(0x80 + rng.below(0xd800 - 0x80));
    default:
      return String.fromCharCode(0x20 + rng.below(0x5f));
  }
}

export function randomText(rng: Rng, length = rng.length()): string {
  if (length > 64) {
    // Long runs: one repeated unit, which is what hostile inputs look like and cheap to build.
    const unit = rng.chance(0.5) ? randomChar(rng) : rng.pick(NASTY_STRINGS) || 'x';
    return unit.repeat(Math.ceil(length / unit.length));
  }
  let s = '';
  for (let i = 0; i < length; i++) s += randomChar(rng);
  return s;
}

/** A value for an attribute or a text node: a nasty string, a boundary number, random or huge text. */
export function nastyValue(rng: Rng, valid?: string): string {
  switch (rng.below(6)) {
    case 0:
      return rng.pick(NASTY_STRINGS);
    case 1:
      return rng.pick(BOUNDARY_NUMBERS);
    case 2:
      return randomText(rng);
    case 3:
      return valid === undefined ? randomText(rng) : mutateText(rng, valid);
    case 4:
      return (valid ?? 'x').repeat(Math.max(1, Math.floor(rng.length() / Math.max(1, (valid ?? 'x').length))));
    default:
      return `${valid ?? ''}${rng.pick(NASTY_STRINGS)}`;
  }
}

/** How many mutations to stack: mostly one or two, sometimes many. */
function count(rng: Rng): number {
  let n = 1;
  while (n < 16 && rng.chance(0.4)) n++;
  return n;
}

export function mutateBytes(rng: Rng, input: Buffer, others: readonly Buffer[] = []): Buffer {
  let buf: Buffer = Buffer.from(input);
  for (let n = count(rng); n > 0; n--) buf = mutateBytesOnce(rng, buf, others);
  return buf;
}

function mutateBytesOnce(rng: Rng, buf: Buffer, others: readonly Buffer[]): Buffer {
  const at = rng.below(buf.length + 1);
  switch (rng.below(11)) {
    case 0: // flip one bit
      if (buf.length > 0) buf[at % buf.length]! ^= 1 << rng.below(8);
      return buf;
    case 1: // a random byte
      if (buf.length > 0) buf[at % buf.length] = rng.below(256);
      return buf;
    case 2: // a boundary byte
      if (buf.length > 0) buf[at % buf.length] = rng.pick(BOUNDARY_BYTES);
      return buf;
    case 3: // a boundary 16-bit value
      if (buf.length > 1) buf.writeUInt16BE(rng.pick(BOUNDARY_U16), at % (buf.length - 1));
      return buf;
    case 4: // truncate
      return buf.subarray(0, at);
    case 5: // delete a range
      return Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1 + rng.below(8))]);
    case 6: // insert random bytes
      return Buffer.concat([buf.subarray(0, at), randomBytes(rng, 1 + rng.below(8)), buf.subarray(at)]);
    case 7: // repeat a range
      return Buffer.concat([buf.subarray(0, at), repeat(buf.subarray(at, at + 1 + rng.below(8)), rng), buf.subarray(at)]);
    case 8: // splice with another valid input
      if (others.length === 0) return buf;
      return spliceBytes(rng, buf, rng.pick(others));
    case 9: // trailing data (real peers send file data right after the handshake)
      return Buffer.concat([buf, randomBytes(rng, rng.length())]);
    default: // another message right after this one
      return others.length > 0 ? Buffer.concat([buf, rng.pick(others)]) : buf;
  }
}

function spliceBytes(rng: Rng, a: Buffer, b: Buffer): Buffer {
  return Buffer.concat([a.subarray(0, rng.below(a.length + 1)), b.subarray(rng.below(b.length + 1))]);
}

function repeat(unit: Buffer, rng: Rng): Buffer {
  if (unit.length === 0) return unit;
  return Buffer.concat(Array<Buffer>(Math.min(1 + rng.length(), 100_000)).fill(unit));
}

export function randomBytes(rng: Rng, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const fill = rng.chance(0.3) ? rng.pick(BOUNDARY_BYTES) : -1;
  for (let i = 0; i < length; i++) buf[i] = fill >= 0 ? fill : rng.below(256);
  return buf;
}

/**
 * Damages a text: bit flips on UTF-16 code units (so lone surrogates appear), inserted characters or
 * `tokens` (the syntax of the format: quotes, brackets, '<', '='...), deleted, repeated and swapped
 * ranges, truncation, splicing with another valid text, and numbers replaced by boundary numbers.
 */
export function mutateText(rng: Rng, input: string, tokens: readonly string[] = [], others: readonly string[] = []): string {
  let s = input;
  for (let n = count(rng); n > 0; n--) s = mutateTextOnce(rng, s, tokens, others);
  return s;
}

function mutateTextOnce(rng: Rng, s: string, tokens: readonly string[], others: readonly string[]): string {
  const at = rng.below(s.length + 1);
  const end = Math.min(s.length, at + 1 + rng.below(rng.chance(0.8) ? 8 : 64));
  switch (rng.below(12)) {
    case 0: {
      if (s.length === 0) return s;
      const i = at % s.length;
      return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << rng.below(16))) + s.slice(i + 1);
    }
    case 1:
      return s.slice(0, at) + randomChar(rng) + s.slice(at);
    case 2:
    case 3:
      return s.slice(0, at) + (tokens.length > 0 && rng.chance(0.7) ? rng.pick(tokens) : rng.pick(NASTY_STRINGS)) + s.slice(at);
    case 4:
      return s.slice(0, at);
    case 5:
      return s.slice(0, at) + s.slice(end);
    case 6: {
      const unit = s.slice(at, end);
      const cap = rng.giantCase ? 8e6 : 1e6;
      return s.slice(0, at) + unit.repeat(unit === '' ? 0 : Math.min(1 + rng.length(), Math.ceil(cap / unit.length))) + s.slice(at);
    }
    case 7:
      return others.length > 0 ? s.slice(0, at) + rng.pick(others).slice(rng.below(s.length + 1)) : s;
    case 8: {
      // move a range elsewhere
      const rest = s.slice(0, at) + s.slice(end);
      const j = rng.below(rest.length + 1);
      return rest.slice(0, j) + s.slice(at, end) + rest.slice(j);
    }
    case 9:
      return replaceNumber(rng, s);
    case 10:
      return s.slice(0, at) + s.slice(at, end).replace(/./gsu, (c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())) + s.slice(end);
    default:
      return s.slice(0, at) + nastyValue(rng) + s.slice(end);
  }
}

/** One run of digits replaced by a boundary number (or the text unchanged when it has none). */
function replaceNumber(rng: Rng, s: string): string {
  const runs = [...s.matchAll(/\d+/g)];
  if (runs.length === 0) return s;
  const m = rng.pick(runs);
  return s.slice(0, m.index) + rng.pick(BOUNDARY_NUMBERS) + s.slice(m.index + m[0].length);
}

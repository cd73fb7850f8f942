// Random VALID values (sids, JIDs, hosts, ports, names) from which the fuzz targets build their
// seed inputs with the modules' own builders and encoders.
import type { Rng } from './prng.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const WORD_EXTRA = ['-', '_', '.', 'é', 'ß', 'ж', '中', '😀', '+', '~', '!', '(', ')'];

export function word(rng: Rng, min = 1, max = 12): string {
  let s = '';
  for (let n = rng.int(min, max); n > 0; n--) s += rng.chance(0.9) ? ALNUM[rng.below(ALNUM.length)] : rng.pick(WORD_EXTRA);
  return s;
}

export function sid(rng: Rng): string {
  return rng.chance(0.2) ? `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-a${hex(rng, 3)}-${hex(rng, 12)}` : word(rng, 1, 24);
}

export function hex(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += '0123456789abcdef'[rng.below(16)];
  return s;
}

export function domain(rng: Rng): string {
  const labels = Array.from({ length: rng.int(1, 4) }, () => word(rng, 1, 10).replace(/[^a-zA-Z0-9é中-]/g, 'x'));
  return labels.join('.');
}

export function jid(rng: Rng, full = rng.chance(0.5)): string {
  const local = rng.chance(0.8) ? `${word(rng)}@` : '';
  const resource = full ? `/${word(rng, 1, 16)}${rng.chance(0.1) ? '/with@slash' : ''}` : '';
  return `${local}${domain(rng)}${resource}`;
}

export function ipv4(rng: Rng): string {
  return Array.from({ length: 4 }, () => rng.pick([0, 1, 127, 255, rng.below(256)])).join('.');
}

/** Bytes of an IPv6 address, with zero runs of every length (RFC 5952's "::" cases). */
export function ipv6Bytes(rng: Rng): Buffer {
  const buf = Buffer.alloc(16);
  for (let g = 0; g < 8; g++) if (rng.chance(0.5)) buf.writeUInt16BE(rng.pick([1, 0xffff, rng.below(0x10000)]), g * 2);
  return buf;
}

export function port(rng: Rng): number {
  return rng.pick([1, 80, 1080, 5000, 7777, 65535, rng.int(1, 65535)]);
}

export function fileName(rng: Rng): string {
  return `${word(rng, 1, 20)}${rng.chance(0.7) ? `.${rng.pick(['txt', 'tar.gz', 'jpg', 'pdf', 'bin', word(rng, 1, 5)])}` : ''}`;
}

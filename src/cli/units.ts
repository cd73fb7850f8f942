// Parsing what users type for durations (30, 30s, 5m, 1h, 1.5h) and sizes (100, 10k, 2.5M, 1G;
// KiB/MiB/GiB for powers of 1024), with errors that name the option.
import { Xep65Error } from '../errors.js';

const SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };
const BYTES: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** Seconds in DURATION: a number with an optional unit s, m, h or d (default seconds). */
export function parseDuration(value: string | number, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/i.exec(String(value).trim());
  const seconds = m ? Number(m[1]) * SECONDS[m[2]!.toLowerCase()]! : NaN;
  if (!(seconds > 0)) throw new Xep65Error('usage', `${option} takes a duration such as 30s, 5m or 1h, not '${value}'`);
  return seconds;
}

/** Bytes in SIZE: a number with an optional unit k, M, G, T (powers of 1000) or KiB, MiB, GiB, TiB. */
export function parseSize(value: string | number, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(String(value).trim());
  const unit = m ? BYTES[m[2]!.toLowerCase()] : undefined;
  const bytes = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw new Xep65Error('usage', `${option} takes a size such as 500M or 2GiB, not '${value}'`);
  return bytes;
}

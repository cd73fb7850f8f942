// Fuzz targets for the offered-name cleaners (XEP-0096 §7: names are untrusted). What they
// promise (src/transport/safe-name.ts): a final path component only, no control or direction
// characters, no leading dot, dash or space, never '', '.' or '..', and short enough that
// `name (999).ext.part` fits in 255 bytes. Also: time linear in the length of the offer.
import assert from 'node:assert/strict';
import { numberedName, safeFileName, safeRelativePath } from '../../../src/transport/safe-name.js';
import type { FuzzTarget, Target } from '../engine.js';
import { POOL, jsLiteral } from '../engine.js';
import { mutateText, randomText } from '../mutate.js';
import type { Rng } from '../prng.js';
import { fileName, word } from '../values.js';

const FORBIDDEN = /[/\\\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;
const TOKENS = ['/', '\\', '.', '..', '../', './', '/.', ' ', '-', '\u0000', '\u202e', '\u200e', '\ufeff', '\u00a0', 'e\u0301', '\u0301', '\ud800', '😀', '.tar.gz', '.txt', 'C:\\', '//', 'é'];

function offered(rng: Rng): string {
  return rng.weighted<() => string>([
    [3, () => fileName(rng)],
    [3, () => Array.from({ length: rng.int(1, 5) }, () => rng.pick(['..', '.', '', word(rng), fileName(rng)])).join(rng.pick(['/', '\\']))],
    [1, () => rng.pick(['../../etc/passwd', 'C:\\Windows\\evil.exe', '.bashrc', '-rf', '  spaced  ', 'evil\u202Etxt.exe', 'Grüße ☃.txt'])],
  ])();
}

function generate(rng: Rng, pool: readonly string[]): string {
  const valid = rng.pick(pool);
  return rng.weighted<() => string>([
    [10, () => valid],
    [70, () => mutateText(rng, valid, TOKENS, pool)],
    [20, () => randomText(rng)],
  ])();
}

/** What safeFileName promises about every name it returns. */
export function checkSafeName(name: string, offer: string): void {
  assert.equal(typeof name, 'string');
  assert.ok(name !== '' && name !== '.' && name !== '..', `name ${JSON.stringify(name)}`);
  assert.ok(!FORBIDDEN.test(name), 'a separator, control or direction character survived');
  assert.ok(!/^[.\s-]/.test(name), 'leading dot, dash or white space');
  assert.ok(Buffer.byteLength(`${numberedName(name, 999)}.part`) <= 255, `too long: ${Buffer.byteLength(name)} bytes`);
  // Cut at a character boundary: no half of a surrogate pair is left (unless the offer had one).
  if (!/\p{Cs}/u.test(offer)) assert.ok(!/\p{Cs}/u.test(name), 'a surrogate pair was cut');
}

function target<R>(name: string, decode: (s: string) => R, verify: (r: R, offer: string) => void): FuzzTarget {
  const t: Target<string, R, string[]> = {
    name,
    errors: [],
    prepare: (rng) => Array.from({ length: POOL }, () => offered(rng)),
    generate,
    decode,
    verify(input, result) {
      verify(result, input);
      return 'value';
    },
    size: (input) => input.length,
    show: (input, max) => jsLiteral(input, max),
  };
  return t as FuzzTarget;
}

export const safeNameTargets: FuzzTarget[] = [
  target('safe-name.safeFileName', safeFileName, checkSafeName),
  target('safe-name.safeRelativePath', safeRelativePath, (parts, offer) => {
    assert.ok(Array.isArray(parts) && parts.length >= 1 && parts.length <= 17, `${parts.length} parts`);
    parts.forEach((p) => checkSafeName(p, offer));
    assert.equal(parts[parts.length - 1], safeFileName(offer), 'the last part is not the file name');
  }),
  target('safe-name.numberedName', (offer) => numberedName(safeFileName(offer), offer.length % 1000), (numbered, offer) => {
    const name = safeFileName(offer);
    const n = offer.length % 1000;
    if (n === 0) assert.equal(numbered, name);
    else assert.ok(numbered.includes(` (${n})`) && Buffer.byteLength(`${numbered}.part`) <= 255);
    const dot = name.lastIndexOf('.');
    if (dot > 0) assert.ok(numbered.endsWith(name.slice(dot)), 'the extension was lost');
  }),
];

/** Offers whose cleaning could go superlinear: long runs of what each step removes, splits or reorders. */
export const LINEAR_SHAPES: ReadonlyArray<readonly [string, (n: number) => string]> = [
  ['x', (n) => 'x'.repeat(n)],
  ['é', (n) => 'é'.repeat(n)],
  ['astral', (n) => '😀'.repeat(n / 2)],
  ['lone surrogates', (n) => '\ud800'.repeat(n)],
  ['a/', (n) => 'a/'.repeat(n / 2)],
  ['backslashes', (n) => '\\'.repeat(n)],
  ['dots then x', (n) => `${'.'.repeat(n)}x`],
  ['spaces then x', (n) => `${' '.repeat(n)}x`],
  ['dashes', (n) => '-'.repeat(n)],
  ['NULs then x', (n) => `${'\u0000'.repeat(n)}x`],
  ['bidi', (n) => '\u202e'.repeat(n)],
  ['a.', (n) => 'a.'.repeat(n / 2)],
  ['long extension', (n) => `${'x'.repeat(n)}.${'y'.repeat(12)}`],
  ['composing pairs', (n) => 'e\u0301'.repeat(n / 2)],
  ['one mark run', (n) => `a${'\u0301'.repeat(n)}`],
  ['marks to reorder', (n) => `a${'\u0301'.repeat(n / 2)}${'\u0316'.repeat(n / 2)}`],
  ['alternating marks', (n) => `a${'\u0301\u0316'.repeat(n / 2)}`],
  ['mark runs of 30', (n) => `a${'\u0301'.repeat(15)}${'\u0316'.repeat(15)}`.repeat(n / 31)],
  ['hangul jamo', (n) => '\u1100\u1161\u11a8'.repeat(n / 3)],
];

export const LINEAR_FUNCTIONS: ReadonlyArray<readonly [string, (s: string) => unknown]> = [
  ['safeFileName', safeFileName],
  ['safeRelativePath', safeRelativePath],
];

export interface LinearResult {
  fn: string;
  shape: string;
  msSmall: number;
  msLarge: number;
  ratio: number;
  ok: boolean;
}

/**
 * Time for n and 8n characters (best of `reps`): linear work gives a ratio near 8, quadratic 64.
 * Fails above `maxRatio` only when the large run is also slow in absolute terms (tiny times are
 * noise), or at once when n alone already takes over `tooSlowMs` (8n would not come back).
 */
export function measureLinear(n: number, reps: number, maxRatio = 20, tooSlowMs = 1_000): LinearResult[] {
  const results: LinearResult[] = [];
  const best = (fn: (s: string) => unknown, s: string) => {
    let min = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      fn(s);
      min = Math.min(min, performance.now() - t0);
      if (min > tooSlowMs) break;
    }
    return min;
  };
  for (const [fnName, fn] of LINEAR_FUNCTIONS) {
    for (const [shape, make] of LINEAR_SHAPES) {
      const msSmall = best(fn, make(n));
      if (msSmall > tooSlowMs) {
        results.push({ fn: fnName, shape, msSmall, msLarge: NaN, ratio: Infinity, ok: false });
        continue;
      }
      const msLarge = best(fn, make(8 * n));
      const ratio = msLarge / Math.max(msSmall, 0.05);
      results.push({ fn: fnName, shape, msSmall, msLarge, ratio, ok: ratio <= maxRatio || msLarge < 50 });
    }
  }
  return results;
}

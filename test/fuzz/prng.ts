// A small seeded PRNG for the fuzz tests (mulberry32), with the few draws the generators need.
// Every case gets its own generator from (seed, decoder name, case number), so any one case can be
// replayed alone: `npm run fuzz -- --only NAME --seed S --case N`.

/** 32-bit FNV-1a of a string: turns a decoder name into part of its cases' seeds. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The seed of one case: a murmur3-style finaliser over seed, name and index, so neighbours differ. */
export function caseSeed(seed: number, name: string, index: number): number {
  let h = (seed ^ hashName(name)) >>> 0;
  h = Math.imul(h ^ index, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface RngOptions {
  /** Allow multi-megabyte cases (the long run); the seeded test stays below a few hundred kB. */
  giant?: boolean;
}

/** With `giant`, one case in this many is a giant case. */
export const GIANT_EVERY = 2_000;

export class Rng {
  private state: number;
  /** A case whose long runs are several million units: past where V8's regular expressions run out of backtracking stack. */
  readonly giantCase: boolean;

  constructor(seed: number, options: RngOptions = {}) {
    this.state = seed >>> 0;
    // Drawn whether or not giant cases are allowed, so every other case is the same in both modes.
    const draw = this.u32();
    this.giantCase = (options.giant ?? false) && draw < 2 ** 32 / GIANT_EVERY;
  }

  /** mulberry32: one 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** In [0, 1). */
  float(): number {
    return this.u32() / 2 ** 32;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /** Picks by weight: [[weight, value], ...]. */
  weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T {
    const total = choices.reduce((sum, [w]) => sum + w, 0);
    let r = this.float() * total;
    for (const [w, value] of choices) {
      if ((r -= w) < 0) return value;
    }
    return choices[choices.length - 1]![1];
  }

  /** A length for a generated run: mostly tiny, sometimes hundreds, rarely tens or hundreds of thousands (hostile sizes). */
  length(): number {
    const r = this.float();
    if (this.giantCase && r < 0.3) return 4_000_000 + this.below(4_000_000);
    if (r < 0.9) return this.below(8);
    if (r < 0.99) return this.below(300);
    if (r < 0.9997) return this.below(5_000);
    return 10_000 + this.below(200_000);
  }
}

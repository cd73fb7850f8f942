// The fuzz engine shared by the seeded test (test/fuzz/decoders.test.ts) and the long run
// (scripts/fuzz/run.ts). A target is one decoder: how to make an input, how to call the decoder,
// and what its result promises. Each case must end in a value, a "not this" (null, undefined, a
// refusal) or one of the decoder's own typed errors; anything else escaping is a bug, and so is a
// case that takes too long for its size.
import { Xep65Error, type ErrorCode } from '../../src/errors.js';
import { Rng, caseSeed } from './prng.js';

export type Outcome = 'value' | 'none' | 'error';

export interface Target<I, R, P = unknown> {
  /** `file.function`, e.g. 'codec.decodeRequest'; `--only` matches on it. */
  readonly name: string;
  /** The Xep65Error codes the decoder throws by design; anything else thrown is a bug. */
  readonly errors: readonly ErrorCode[];
  /**
   * Valid inputs shared by a block of BLOCK cases, made from the block's own seed: building and
   * serialising a fresh valid stanza for every case would cost more than the case itself.
   */
  prepare(rng: Rng): P;
  generate(rng: Rng, pool: P): I;
  decode(input: I): R;
  /** Checks what the decoder promises about a result (throws when a promise is broken). */
  verify(input: I, result: R): 'value' | 'none';
  /** Checks what a typed error promises (its message, its code). */
  verifyError?(input: I, error: Xep65Error): void;
  /** The input's size in bytes or characters, for the slow-case allowance. */
  size(input: I): number;
  /** The input as a pasteable expression, cut past `max` characters (a report's default, or Infinity). */
  show(input: I, max?: number): string;
}

// Method syntax is bivariant, so every Target<I, R> is a FuzzTarget.
export type FuzzTarget = Target<unknown, unknown, unknown>;

/** Cases per block of shared valid inputs (see Target.prepare). */
export const BLOCK = 256;
/** How many valid inputs a block's pool holds. */
export const POOL = 12;

export interface Failure {
  target: string;
  seed: number;
  index: number;
  /** 'hang' and 'died' come from the long run's watchdog: a case that never returned, a worker that died. */
  kind: 'crash' | 'property' | 'slow' | 'hang' | 'died';
  message: string;
  input: string;
}

export interface Report {
  name: string;
  cases: number;
  ms: number;
  value: number;
  none: number;
  error: number;
  failureCount: number;
  /** The first few failures, each with its seed and case number. */
  failures: Failure[];
  slowest: { index: number; ms: number; size: number };
}

export interface RunOptions {
  seed: number;
  cases: number;
  /** First case number (default 0): `--case N` replays one. */
  start?: number;
  giant?: boolean;
  /** A case may take this long, plus `perUnitMs` for each byte or character of its input. */
  slowMs?: number;
  perUnitMs?: number;
  keepFailures?: number;
  /** Called every `progressEvery` cases with the number done so far (the long run's watchdog). */
  onProgress?(done: number): void;
  progressEvery?: number;
}

export const DEFAULT_SLOW_MS = 100;
/** 1 µs per input unit on top of the fixed limit: generous for linear work, far too little for quadratic. */
export const DEFAULT_PER_UNIT_MS = 1e-3;

/** The time a case may take: a limit that grows linearly with the size of its input. */
function limitFor(size: number, options: RunOptions): number {
  return (options.slowMs ?? DEFAULT_SLOW_MS) + size * (options.perUnitMs ?? DEFAULT_PER_UNIT_MS);
}

type CaseResult = { outcome: Outcome; ms: number; size: number } | { failure: Failure; ms: number; size: number };

/** The last block's pool, so consecutive cases share it; any case can still be replayed alone. */
export interface PoolCache {
  block: number;
  pool: unknown;
}

function poolFor(target: FuzzTarget, index: number, options: RunOptions, cache: PoolCache): unknown {
  const block = Math.floor(index / BLOCK);
  if (cache.block !== block) {
    // Block seeds live in their own range of case numbers (negative), apart from the cases'.
    cache.pool = target.prepare(new Rng(caseSeed(options.seed, target.name, -1 - block), { giant: false }));
    cache.block = block;
  }
  return cache.pool;
}

/** The input of one case, exactly as a run makes it. */
export function caseInput(target: FuzzTarget, index: number, options: RunOptions, cache: PoolCache = { block: -1, pool: undefined }): unknown {
  const pool = poolFor(target, index, options, cache);
  return target.generate(new Rng(caseSeed(options.seed, target.name, index), { giant: options.giant ?? false }), pool);
}

export function runCase(target: FuzzTarget, index: number, options: RunOptions, cache: PoolCache = { block: -1, pool: undefined }): CaseResult {
  const input = caseInput(target, index, options, cache);
  const size = target.size(input);
  const fail = (kind: Failure['kind'], message: string, ms: number): CaseResult => ({
    failure: { target: target.name, seed: options.seed, index, kind, message, input: target.show(input) },
    ms,
    size,
  });
  let result: unknown;
  let thrown: unknown;
  let threw = false;
  let ms = timed(() => {
    try {
      result = target.decode(input);
    } catch (err) {
      [threw, thrown] = [true, err];
    }
  });
  if (ms > limitFor(size, options)) {
    // One retry before blaming the decoder: a GC pause or a busy machine is not a hang.
    ms = Math.min(ms, timed(() => void tryDecode(target, input)));
    if (ms > limitFor(size, options)) return fail('slow', `took ${ms.toFixed(0)} ms for an input of ${size} units`, ms);
  }
  if (threw) {
    if (!(thrown instanceof Xep65Error) || !target.errors.includes(thrown.code)) return fail('crash', describe(thrown), ms);
    try {
      target.verifyError?.(input, thrown);
    } catch (err) {
      return fail('property', `typed error ${JSON.stringify(thrown.message.slice(0, 200))}: ${describe(err)}`, ms);
    }
    return { outcome: 'error', ms, size };
  }
  try {
    return { outcome: target.verify(input, result), ms, size };
  } catch (err) {
    return fail('property', describe(err), ms);
  }
}

export function runTarget(target: FuzzTarget, options: RunOptions): Report {
  const report: Report = { name: target.name, cases: 0, ms: 0, value: 0, none: 0, error: 0, failureCount: 0, failures: [], slowest: { index: -1, ms: 0, size: 0 } };
  const start = options.start ?? 0;
  const every = options.progressEvery ?? 1000;
  const began = performance.now();
  const cache: PoolCache = { block: -1, pool: undefined };
  for (let i = start; i < start + options.cases; i++) {
    const result = runCase(target, i, options, cache);
    report.cases++;
    if (result.ms > report.slowest.ms) report.slowest = { index: i, ms: result.ms, size: result.size };
    if ('failure' in result) {
      report.failureCount++;
      if (report.failures.length < (options.keepFailures ?? 5)) report.failures.push(result.failure);
    } else {
      report[result.outcome]++;
    }
    if (options.onProgress && report.cases % every === 0) options.onProgress(report.cases);
  }
  report.ms = performance.now() - began;
  return report;
}

function tryDecode(target: FuzzTarget, input: unknown): void {
  try {
    target.decode(input);
  } catch {
    // the first run already recorded what it threw
  }
}

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** An error's class, message and the first frame in our sources (where it escaped from). */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return `threw a non-Error: ${String(err)}`;
  const frame = err.stack?.split('\n').find((l) => /\/(src|test)\//.test(l))?.trim();
  return `${err.name}: ${err.message.slice(0, 500)}${frame ? ` (${frame})` : ''}`;
}

/**
 * A JavaScript expression that rebuilds `text`, with long repeats folded ("x".repeat(100000)), so
 * a failure can be pasted into a unit test; shortened with a marker past `max` characters.
 */
export function jsLiteral(text: string, max = 600): string {
  const parts: string[] = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const fold = longestRepeat(text, i);
    if (fold === undefined) {
      plain += text[i++];
      continue;
    }
    if (plain !== '') parts.push(JSON.stringify(plain));
    plain = '';
    parts.push(`${JSON.stringify(fold.unit)}.repeat(${fold.times})`);
    i += fold.unit.length * fold.times;
  }
  if (plain !== '' || parts.length === 0) parts.push(JSON.stringify(plain));
  const expr = parts.join(' + ');
  return expr.length <= max ? expr : `${expr.slice(0, max)} /* … cut: ${text.length} chars in all */`;
}

/** A unit of 1-4 code units repeated to at least 32 code units from `at`, if there is one. */
function longestRepeat(text: string, at: number): { unit: string; times: number } | undefined {
  for (let len = 1; len <= 4; len++) {
    const unit = text.slice(at, at + len);
    if (unit.length < len) return undefined;
    let times = 1;
    while (text.startsWith(unit, at + times * len)) times++;
    if (times * len >= 32) return { unit, times };
  }
  return undefined;
}

export function formatFailure(f: Failure): string {
  return `${f.target} case ${f.index} (seed ${f.seed}) ${f.kind}: ${f.message}\n    input: ${f.input}\n    replay: npm run fuzz -- --only ${f.target} --seed ${f.seed} --case ${f.index}`;
}

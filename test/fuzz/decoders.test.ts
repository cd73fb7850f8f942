// Issue 10 #4: seeded fuzzing of the pure decoders (SOCKS5 codec, stanza parsers, config file,
// offered names), a few seconds inside `npm test`. Every case must end in a value, a "not this" or
// the decoder's own typed error, within a time that grows linearly with its size; see engine.ts.
// The seed is fixed so a failure repeats; XEP65_FUZZ_SEED=N tries another. The long run, with
// millions of cases and multi-megabyte inputs: `npm run fuzz` (scripts/fuzz/run.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFailure, runTarget } from './engine.js';
import { TARGETS } from './targets/index.js';
import { measureLinear } from './targets/safe-name.js';

const DEFAULT_SEED = 1004;
const CASES = 1000;

function seedFromEnv(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_SEED;
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new Error(`XEP65_FUZZ_SEED must be an integer 0-4294967295, got '${text}'`);
  return seed;
}

const SEED = seedFromEnv(process.env.XEP65_FUZZ_SEED);

for (const target of TARGETS) {
  test(`${target.name}: ${CASES} seeded cases end in a value, "not this" or its typed error`, (t) => {
    const r = runTarget(target, { seed: SEED, cases: CASES });
    t.diagnostic(`seed ${SEED}: ${r.value} values, ${r.none} "not this", ${r.error} typed errors in ${r.ms.toFixed(0)} ms`);
    assert.equal(r.failureCount, 0, `${r.failureCount} failing cases:\n${r.failures.map(formatFailure).join('\n')}`);
  });
}

// Quadratic work shows as a ratio near 64 between 8n and n characters, linear near 8 (issue 10 #1:
// a 40,000-character name froze the receiver ~48 s). Best of 2 runs each; npm run fuzz uses 100,000.
test('offered names are cleaned in time linear in their length (25,000 vs 200,000 characters)', (t) => {
  const results = measureLinear(25_000, 2);
  const worst = results.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  t.diagnostic(`worst ratio ${worst.ratio.toFixed(1)} (${worst.fn}, ${worst.shape})`);
  const slow = results.filter((r) => !r.ok);
  assert.deepEqual(slow.map((r) => `${r.fn} on ${r.shape}: ${r.msSmall.toFixed(1)} ms → ${r.msLarge.toFixed(1)} ms`), []);
});

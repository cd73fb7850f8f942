// One fuzz target per stanza parser: fresh valid seeds from the module's builders, damaged by
// xml.ts, and the parser's result checked against what it promises (and, for an undamaged seed,
// against the value the seed was built from: parse(build(v)) = v).
import assert from 'node:assert/strict';
import type { Element } from '@xmpp/xml';
import type { ErrorCode } from '../../../src/errors.js';
import type { FuzzTarget, Target } from '../engine.js';
import { POOL, jsLiteral } from '../engine.js';
import type { Rng } from '../prng.js';
import { iqText, showStanza, stanzaInput, type PooledSeed, type Seed, type StanzaInput, type Vocabulary } from '../xml.js';

export interface StanzaTargetSpec<R> {
  name: string;
  seed(rng: Rng): Seed<R>;
  vocab: Vocabulary;
  /** What the parser is given; by default the IQ's payload (its first child element) as iqCallee passes it. */
  select?: 'payload' | 'payload-or-undefined' | 'stanza';
  decode(el: Element | undefined): R;
  /** Throws when a promise is broken; says whether the result is a value or "not this". */
  verify(result: R, el: Element | undefined): 'value' | 'none';
  errors?: readonly ErrorCode[];
}

function selected(stanza: Element, select: StanzaTargetSpec<unknown>['select']): Element | undefined {
  if (select === 'stanza') return stanza;
  const payload = stanza.getChildElements()[0];
  return payload ?? (select === 'payload-or-undefined' ? undefined : stanza);
}

export function stanzaTarget<R>(spec: StanzaTargetSpec<R>): FuzzTarget {
  const t: Target<StanzaInput<R>, R, PooledSeed<R>[]> = {
    name: spec.name,
    errors: spec.errors ?? [],
    prepare: (rng) =>
      Array.from({ length: POOL }, () => {
        const seed = spec.seed(rng);
        return { seed, text: iqText(seed) };
      }),
    generate(rng, pool) {
      const others = [rng.pick(pool).text, rng.pick(pool).text];
      return stanzaInput(rng, rng.pick(pool), others, spec.vocab);
    },
    decode: (input) => spec.decode(selected(input.stanza, spec.select)),
    verify(input, result) {
      if (input.expected !== undefined) assert.deepStrictEqual(result, input.expected, 'an undamaged seed did not parse back to its value');
      return spec.verify(result, selected(input.stanza, spec.select));
    },
    size: (input) => input.text?.length ?? textSize(input.stanza),
    show: (input, max) => jsLiteral(showStanza(input as StanzaInput<unknown>), max),
  };
  return t as FuzzTarget;
}

/** Characters of names, attribute values and text in a tree built as a tree (iterative: trees may be deep). */
function textSize(root: Element): number {
  let n = 0;
  const stack = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    n += el.name.length;
    for (const v of Object.values(el.attrs)) n += String(v).length;
    for (const c of el.children) {
      if (typeof c === 'string') n += c.length;
      else stack.push(c);
    }
  }
  return n;
}

/** A non-empty string, or the assertion fails. */
export function nonEmpty(value: unknown, what: string): void {
  assert.ok(typeof value === 'string' && value !== '', `${what} must be a non-empty string, got ${JSON.stringify(value)?.slice(0, 80)}`);
}

/** No keys but these. */
export function keysWithin(value: object, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) assert.ok(allowed.includes(key), `unexpected key '${key}'`);
}

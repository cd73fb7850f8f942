// Fuzz target for the configuration file's TOML subset (src/cli/config-file.ts): a result holds
// only known settings with their declared types; a refusal is a usage error naming the file and
// line and NEVER the value (a value may be a password: the secret marker must not leak).
import assert from 'node:assert/strict';
import { CONFIG_KEYS, parseConfig, type Config, type ConfigValue } from '../../../src/cli/config-file.js';
import type { FuzzTarget, Target } from '../engine.js';
import { POOL, jsLiteral } from '../engine.js';
import { BOUNDARY_NUMBERS, mutateText, randomText } from '../mutate.js';
import type { Rng } from '../prng.js';
import { jid, word } from '../values.js';

const FILE = '/home/u/.config/xep65/config';
/** Upper case cannot form a key, so a message holding this came from a value. */
const SECRET = 'Sécret#"P4ss';
const KEYS = Object.keys(CONFIG_KEYS);
const TOKENS = ['"', '\\', '\\"', '#', '=', ' = ', '[', ']', ',', '\n', '\r\n', '\r', 'true', 'false', '-', '.', 'constructor = 1', '__proto__', 'password', ...KEYS.map((k) => `\n${k} = `)];

interface ConfigInput {
  text: string;
  expected?: Config;
}

/** A string literal as the format writes it: \" and \\ escaped, newline and tab as \n and \t. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

function value(rng: Rng, key: string): [ConfigValue, string] {
  switch (CONFIG_KEYS[key]) {
    case 'boolean': {
      const b = rng.chance(0.5);
      return [b, String(b)];
    }
    case 'number': {
      const n = rng.pick([0, 1, 3, 5222, 65535, -1, 2.5]);
      return [n, String(n)];
    }
    case 'strings': {
      const items = Array.from({ length: rng.below(4) }, () => rng.chance(0.5) ? jid(rng) : word(rng));
      if (items.length === 1 && rng.chance(0.5)) return [items, quote(items[0]!)]; // a lone string means a list of one
      return [items, `[${items.map(quote).join(rng.pick([', ', ',', ' , ']))}]`];
    }
    default: {
      const s = key === 'password' ? `${SECRET}${word(rng)}` : rng.pick([jid(rng), word(rng, 0, 30), `${word(rng)} #not a comment`, 'tab\tand\nnewline', 'back\\slash']);
      return [s, quote(s)];
    }
  }
}

function validConfig(rng: Rng): ConfigInput {
  const expected: Config = {};
  const lines: string[] = [];
  for (const key of KEYS.filter(() => rng.chance(0.3))) {
    const [v, text] = value(rng, key);
    expected[key] = v;
    if (rng.chance(0.2)) lines.push(rng.pick(['', '# a comment', '   ', '\t# indented comment']));
    const comment = rng.chance(0.2) ? `  # ${word(rng)}` : '';
    lines.push(`${rng.chance(0.1) ? '  ' : ''}${key}${rng.pick([' = ', '=', '  =  ', '\t=\t'])}${text}${comment}`);
  }
  return { text: lines.join(rng.chance(0.2) ? '\r\n' : '\n') + (rng.chance(0.5) ? '\n' : ''), expected };
}

function generate(rng: Rng, pool: readonly ConfigInput[]): ConfigInput {
  const valid = rng.pick(pool);
  return rng.weighted<() => ConfigInput>([
    [10, () => valid],
    [70, () => ({ text: mutateText(rng, valid.text, TOKENS, pool.map((c) => c.text)) })],
    [10, () => ({ text: `${rng.pick(KEYS)} = ${rng.pick(BOUNDARY_NUMBERS)}` })],
    [10, () => ({ text: randomText(rng) })],
  ])();
}

function checkValue(key: string, v: ConfigValue): void {
  const type = CONFIG_KEYS[key];
  if (type === 'strings') assert.ok(Array.isArray(v) && v.every((s) => typeof s === 'string'), `${key} is not a list of strings`);
  else assert.equal(typeof v, type, `${key} has type ${typeof v}`);
  if (typeof v === 'number') assert.ok(!Number.isNaN(v), `${key} is NaN`);
}

const t: Target<ConfigInput, Config, ConfigInput[]> = {
  name: 'config-file.parseConfig',
  errors: ['usage'],
  prepare: (rng) => Array.from({ length: POOL }, () => validConfig(rng)),
  generate,
  decode: (input) => parseConfig(input.text, FILE),
  verify(input, config) {
    if (input.expected) assert.deepStrictEqual(config, input.expected, 'a valid file did not parse back to its values');
    for (const [key, v] of Object.entries(config)) {
      assert.ok(Object.hasOwn(CONFIG_KEYS, key), `unknown key '${key}' accepted`);
      checkValue(key, v);
    }
    assert.equal(Object.getPrototypeOf(config), Object.prototype, 'the result is not a plain object');
    return Object.keys(config).length > 0 ? 'value' : 'none';
  },
  verifyError(input, error) {
    assert.ok(!input.expected, 'a valid file was refused');
    const m = /^(.*):(\d+): /.exec(error.message);
    assert.ok(m && m[1] === FILE, 'the message does not start with file:line');
    assert.ok(Number(m[2]) >= 1 && Number(m[2]) <= input.text.split(/\r?\n/).length, `line ${m[2]} does not exist`);
    assert.ok(!error.message.includes(SECRET), 'the message repeats a value (a password leaks)');
    const twice = /'([^']*)' is set twice/.exec(error.message);
    if (twice) assert.ok(Object.hasOwn(CONFIG_KEYS, twice[1]!), `'${twice[1]}' is no setting, yet "set twice"`);
  },
  size: (input) => input.text.length,
  show: (input, max) => jsLiteral(input.text, max),
};

export const configTargets: FuzzTarget[] = [t as FuzzTarget];

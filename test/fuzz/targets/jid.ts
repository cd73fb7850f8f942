// Fuzz targets for the JID split (RFC 7622 §3.1, shallow on purpose): the parts always join back
// to the input, because the XEP-0065 hash must use JIDs exactly as on the wire.
import assert from 'node:assert/strict';
import { bareJid, domainOf, parseJid, type JidParts } from '../../../src/stanzas/jid.js';
import type { FuzzTarget, Target } from '../engine.js';
import { POOL, jsLiteral } from '../engine.js';
import { mutateText, randomText } from '../mutate.js';
import type { Rng } from '../prng.js';
import { jid } from '../values.js';

const TOKENS = ['@', '/', '@/', '/@', ' ', '\t', '\u00a0', '\u3000', '\u2028', '@@', '//', 'example.test', 'ö', '[::1]', '127.0.0.1'];

interface JidInput {
  text: string;
  valid: boolean;
}

function generate(rng: Rng, pool: readonly string[]): JidInput {
  const valid = rng.pick(pool);
  return rng.weighted<() => JidInput>([
    [10, () => ({ text: valid, valid: true })],
    [75, () => ({ text: mutateText(rng, valid, TOKENS, pool), valid: false })],
    [15, () => ({ text: randomText(rng), valid: false })],
  ])();
}

function join(parts: JidParts): string {
  return `${parts.local !== '' ? `${parts.local}@` : ''}${parts.domain}${parts.resource !== undefined ? `/${parts.resource}` : ''}`;
}

function checkParts(parts: JidParts, text: string): void {
  assert.equal(join(parts), text, 'the parts do not join back to the JID');
  assert.ok(parts.domain !== '' && !/\s/.test(parts.domain), 'domain empty or with white space');
  assert.ok(!parts.domain.includes('/') && !parts.local.includes('/'), "'/' before the resource");
  if ('resource' in parts) assert.ok(parts.resource !== '', 'empty resource');
}

function target<R>(name: string, decode: (s: string) => R, errors: Target<JidInput, R>['errors'], verify: (r: R, text: string) => void): FuzzTarget {
  const t: Target<JidInput, R, string[]> = {
    name,
    errors,
    prepare: (rng) => Array.from({ length: POOL }, () => jid(rng)),
    generate,
    decode: (input) => decode(input.text),
    verify(input, result) {
      verify(result, input.text);
      return 'value';
    },
    verifyError(input, error) {
      assert.ok(!input.valid, 'a valid JID was refused');
      assert.match(error.message, /is not a valid JID/);
    },
    size: (input) => input.text.length,
    show: (input, max) => jsLiteral(input.text, max),
  };
  return t as FuzzTarget;
}

export const jidTargets: FuzzTarget[] = [
  target('jid.parseJid', parseJid, ['usage'], checkParts),
  target('jid.bareJid', bareJid, [], (bare, text) => {
    assert.ok(text.startsWith(bare) && !bare.includes('/'), 'bare JID is not the part before the first /');
    assert.ok(bare === text || text[bare.length] === '/');
  }),
  target('jid.domainOf', domainOf, ['usage'], (domain, text) => assert.equal(domain, parseJid(text).domain)),
];

// SCRAM-SHA-1 against the worked example of RFC 5802 §5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScramSha1 } from '../../src/xmpp/scram-sha-1.js';

const CRED = { username: 'user', password: 'pencil' };
const SERVER_FIRST = 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096';

test('client messages and server verification match RFC 5802 §5', () => {
  const mech = new ScramSha1('fyko+d2lbbFgONRv9qkxdawL');
  assert.equal(mech.response(CRED), 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
  mech.challenge(SERVER_FIRST);
  assert.equal(mech.response(CRED), 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
  mech.verifyServerFinal('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=');
  assert.throws(() => mech.verifyServerFinal('v=AAAAAAAAAAAAAAAAAAAAAAAAAAA='), /could not prove/);
});

test('a server nonce that does not extend ours is refused', () => {
  const mech = new ScramSha1('abc');
  mech.response(CRED);
  mech.challenge('r=zzz,s=QSXCR+Q6sek8bf92,i=4096');
  assert.throws(() => mech.response(CRED), /malformed/);
});

test('a non-ASCII user name goes out as UTF-8 bytes, one per character, for btoa()', () => {
  const mech = new ScramSha1('abc');
  const first = mech.response({ username: 'zoë', password: 'x' });
  assert.equal(Buffer.from(first, 'latin1').toString('utf8'), 'n,,n=zoë,r=abc');
  assert.doesNotThrow(() => btoa(first));
});

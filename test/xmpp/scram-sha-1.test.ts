// SCRAM-SHA-1 against the worked example of RFC 5802 §5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xep65Error } from '../../src/errors.js';
import { MAX_ITERATIONS, ScramSha1 } from '../../src/xmpp/scram-sha-1.js';

const CRED = { username: 'user', password: 'pencil' };
const SERVER_FIRST = 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096';

test('client messages and server verification match RFC 5802 §5', async () => {
  const mech = new ScramSha1('fyko+d2lbbFgONRv9qkxdawL');
  assert.equal(await mech.response(CRED), 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
  mech.challenge(SERVER_FIRST);
  assert.equal(await mech.response(CRED), 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
  mech.verifyServerFinal('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=');
  assert.throws(() => mech.verifyServerFinal('v=AAAAAAAAAAAAAAAAAAAAAAAAAAA='), /could not prove/);
});

test('a server nonce that does not extend ours is refused', async () => {
  const mech = new ScramSha1('abc');
  await mech.response(CRED);
  mech.challenge('r=zzz,s=QSXCR+Q6sek8bf92,i=4096');
  await assert.rejects(mech.response(CRED), /malformed/);
});

// Issue 10 #8: a hostile server's iteration count blocked the client in a synchronous PBKDF2.
test('an absurd iteration count is refused with a connection error, before any work', async () => {
  const mech = new ScramSha1('abc');
  await mech.response(CRED);
  mech.challenge('r=abcdef,s=QSXCR+Q6sek8bf92,i=4000000000');
  await assert.rejects(mech.response(CRED), (err: unknown) => err instanceof Xep65Error && err.code === 'connection' && /iterations/.test(err.message));
});

test('PBKDF2 runs off the event loop: timers keep firing while it works', async () => {
  const mech = new ScramSha1('abc');
  await mech.response(CRED);
  mech.challenge(`r=abcdef,s=QSXCR+Q6sek8bf92,i=${MAX_ITERATIONS}`);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const pending = mech.response(CRED);
  await new Promise((resolve) => setImmediate(resolve));
  const ticksWhileWorking = await Promise.race([pending.then(() => ticks), new Promise<number>((r) => setTimeout(() => r(ticks), 20))]);
  await pending;
  clearInterval(timer);
  assert.ok(ticksWhileWorking > 0, 'the event loop ran while PBKDF2 was computing');
});

test('a non-ASCII user name goes out as UTF-8 bytes, one per character, for btoa()', async () => {
  const mech = new ScramSha1('abc');
  const first = await mech.response({ username: 'zoë', password: 'x' });
  assert.equal(Buffer.from(first, 'latin1').toString('utf8'), 'n,,n=zoë,r=abc');
  assert.doesNotThrow(() => btoa(first));
});

// W4: retries and server fallback branch on a stable reason, never on message text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Xep65Error } from '../../src/errors.js';
import { mapConnectError } from '../../src/xmpp/connect-errors.js';

const SERVER = { host: '127.0.0.1', port: 5222 };

test('socket failures are reason unreachable, a login timeout is timed-out, others have none', () => {
  const refused = mapConnectError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), SERVER, 'example.test');
  assert.equal(refused.code, 'connection');
  assert.equal(refused.reason, 'unreachable');
  assert.equal(mapConnectError(new Xep65Error('timeout', 'slow'), SERVER, 'example.test').reason, 'timed-out');
  const sasl = mapConnectError(Object.assign(new Error('no'), { name: 'SASLError', condition: 'not-authorized' }), SERVER, 'example.test');
  assert.equal(sasl.code, 'auth');
  assert.equal(sasl.reason, undefined);
});

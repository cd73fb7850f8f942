// Node's own wording never reaches a user: socket and stream errors are told by their code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describeSocketError } from '../../src/transport/socket-errors.js';

test('a write after destroy, a reset and a broken pipe are said in words; unknown codes stay codes', async () => {
  const stream = new PassThrough();
  stream.destroy();
  const err = await new Promise<Error>((resolve) => stream.write('x', (e) => resolve(e!)));
  assert.match(err.message, /Cannot call write/, 'what Node says');
  assert.equal(describeSocketError(err), 'the connection was already closed');
  const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  assert.equal(describeSocketError(reset), 'the peer reset the connection');
  assert.equal(describeSocketError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })), 'the peer closed the connection');
  assert.equal(describeSocketError(Object.assign(new Error('x'), { code: 'EWEIRD' })), 'EWEIRD');
  assert.equal(describeSocketError(new Error('plain')), 'plain');
});

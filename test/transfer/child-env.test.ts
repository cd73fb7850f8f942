// Issue 10 #6: programs we start (--exec hooks, tar) never inherit our secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childEnv } from '../../src/transfer/child-env.js';

test('the account password and the component secret are removed; everything else is kept', () => {
  const env = { PATH: '/bin', HOME: '/h', XEP65_JID: 'a@b', XEP65_PASSWORD: 'p', XEP65_COMPONENT_SECRET: 's' };
  assert.deepEqual(childEnv(env), { PATH: '/bin', HOME: '/h', XEP65_JID: 'a@b' });
  assert.equal(env.XEP65_PASSWORD, 'p', 'our own environment is left alone');
});

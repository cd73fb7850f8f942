// XEP-0065 §4 (Example 9): who may use our proxy; deny beats allow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProxyPolicy } from '../../src/session/proxy-policy.js';

test('a domain rule allows every user and resource of that domain, and only that domain', () => {
  const allowed = createProxyPolicy({ allow: ['example.org'], deny: [] });
  assert.equal(allowed('alice@example.org/laptop'), true);
  assert.equal(allowed('Alice@Example.ORG/laptop'), true, 'local part and domain compare without case');
  assert.equal(allowed('mallory@evil.example/x'), false);
  assert.equal(allowed('alice@sub.example.org/x'), false, 'subdomains are other domains');
});

test('deny beats allow; a bare JID rule covers every resource, a full JID rule only its own', () => {
  const allowed = createProxyPolicy({ allow: ['*'], deny: ['mallory@example.org', 'bob@example.org/bad'] });
  assert.equal(allowed('alice@example.org/a'), true);
  assert.equal(allowed('mallory@example.org/any'), false);
  assert.equal(allowed('bob@example.org/good'), true);
  assert.equal(allowed('bob@example.org/bad'), false);
  assert.equal(allowed('bob@example.org/Bad'), true, 'resources compare exactly');
});

test('nothing is allowed without an allow rule; a malformed requester is refused', () => {
  assert.equal(createProxyPolicy({ allow: [], deny: [] })('alice@example.org/a'), false);
  assert.equal(createProxyPolicy({ allow: ['*'], deny: [] })('@broken/'), false);
});

test('a malformed rule is an error at start, not a silent mismatch', () => {
  assert.throws(() => createProxyPolicy({ allow: ['alice@'], deny: [] }), { code: 'usage' });
});

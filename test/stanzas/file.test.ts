// DESIGN-REVIEW W9: the neutral FileDescription, mapped to and from XEP-0096 §3.1's FileInfo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileFromSi, fileToSi } from '../../src/stanzas/file.js';

test('an SI file becomes a FileDescription with its MD5 as an md5 Hash, and back', () => {
  const info = { name: 'test.txt', size: 1022, mimeType: 'text/plain', hash: '552da749930852c69ae5d2141d3766b1', date: '1969-07-21T02:56:15Z', desc: 'hi' };
  const file = fileFromSi(info);
  assert.deepEqual(file, {
    name: 'test.txt',
    size: 1022,
    mediaType: 'text/plain',
    date: '1969-07-21T02:56:15Z',
    desc: 'hi',
    hashes: [{ algo: 'md5', value: 'VS2nSZMIUsaa5dIUHTdmsQ==' }],
  });
  assert.deepEqual(fileToSi(file), info);
});

test('SI carries only MD5: other hashes and the range are left out; no hash, no hash attribute', () => {
  assert.deepEqual(fileFromSi({ name: 'a', size: 0 }), { name: 'a', size: 0, hashes: [] });
  const file = { name: 'a', size: 5, hashes: [{ algo: 'sha-256' as const, value: 'OYdEiLChMaVdk1UjUHEgOVXXzTDgsazEiMcdgAfmS1k=' }], range: { offset: 0 } };
  assert.deepEqual(fileToSi(file), { name: 'a', size: 5 });
});

// What the terminal is shown (cli/format.ts): sizes and rates people can read, and untrusted text
// (offered names, JIDs) without characters that could hide, reorder or split a line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatRate, printable } from '../../src/cli/format.js';

test('sizes and rates below 1 kB are whole bytes (a 2-byte file in 3 ms is 667 B/s, not 666.666…)', () => {
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatRate(2, 0.003), '667 B/s');
  assert.equal(formatRate(10_000_000, 2), '5.00 MB/s');
  assert.equal(formatRate(1, 0), '-');
});

test('printable: control, direction and bidi-mark characters and line separators become ?', () => {
  const hostile = 'a\u0007b\u001bc\u0085d\u202ee\u2066f\u200fg\u200eh\u061ci\u2028j\u2029k\ufeffl';
  assert.equal(printable(hostile), 'a?b?c?d?e?f?g?h?i?j?k?l');
  assert.equal(printable('Grüße ☃ 日本.txt'), 'Grüße ☃ 日本.txt');
});

// Offered names are untrusted (XEP-0096 §7): what safeFileName keeps and drops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numberedName, safeFileName } from '../../src/transport/safe-name.js';

test('paths, dots and control characters never survive', () => {
  const cases: Array<[string, string]> = [
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['/abs/path/x.txt', 'x.txt'],
    ['C:\\Windows\\evil.exe', 'evil.exe'],
    ['..', 'file'],
    ['.', 'file'],
    ['', 'file'],
    ['.bashrc', 'bashrc'],
    ['a\u0000b\u001bc\u007f', 'abc'],
    ['evil\u202Etxt.exe', 'eviltxt.exe'],
    ['  spaced  ', 'spaced'],
    ['-rf', 'rf'],
    ['dir/', 'dir'],
    ['Grüße ☃.txt', 'Grüße ☃.txt'],
  ];
  for (const [offered, expected] of cases) assert.equal(safeFileName(offered), expected, JSON.stringify(offered));
});

test('long names are cut to fit 255 bytes with room for the part suffix, keeping the extension', () => {
  const name = safeFileName(`${'é'.repeat(300)}.tar.gz`);
  assert.ok(Buffer.byteLength(`${numberedName(name, 999)}.part`) <= 255);
  assert.ok(name.endsWith('.gz'));
});

test('numbered alternatives keep the extension', () => {
  assert.equal(numberedName('a.txt', 0), 'a.txt');
  assert.equal(numberedName('a.txt', 2), 'a (2).txt');
  assert.equal(numberedName('noext', 1), 'noext (1)');
  assert.equal(numberedName('.hidden', 1), '.hidden (1)');
});

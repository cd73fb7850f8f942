// `--version` prints the package's version; `--help` wraps at word boundaries (issue 12 #6), at
// 80 columns when stdout is not a terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

test('--version prints the version of package.json', async () => {
  const r = await runCli(['--version'], {});
  assert.equal(r.code, 0);
  assert.equal(r.stdout, `${pkg.version}\n`);
});

test('--help of send: lines of at most 80 columns, no word cut in two', async () => {
  const r = await runCli(['send', '--help'], {});
  assert.equal(r.code, 0);
  const lines = r.stdout.split('\n');
  assert.ok(lines.every((l) => l.length <= 80), lines.find((l) => l.length > 80));
  assert.match(r.stdout, /--parallel/);
});

test('--help: the description naming XEP-0096 is not cut inside a word', async () => {
  const r = await runCli(['--help'], {});
  assert.equal(r.code, 0);
  assert.match(r.stdout, /XEP-0096/);
  assert.doesNotMatch(r.stdout, /XE\n\s*P-/);
});

// The configuration file's TOML subset, its key checks and the password-file mode rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultConfigPath, loadConfig, parseConfig } from '../../src/cli/config-file.js';
import { parseDuration, parseSize } from '../../src/cli/units.js';

test('strings with escapes, numbers, booleans, arrays and comments', () => {
  const values = parseConfig(
    ['# account', 'jid = "alice@example.org"  # trailing comment', 'password = "p#ss \\"quoted\\" \\\\"', 'retry = 3', 'accept-all = true', 'from = ["example.org", "bob@example.net"]', 'proxy = "proxy.example.org"', ''].join('\n'),
    'cfg',
  );
  assert.deepEqual(values, {
    jid: 'alice@example.org',
    password: 'p#ss "quoted" \\',
    retry: 3,
    'accept-all': true,
    from: ['example.org', 'bob@example.net'],
    proxy: ['proxy.example.org'],
  });
});

test('mistakes name the file and line', () => {
  assert.throws(() => parseConfig('jid = alice', 'cfg'), /cfg:1: 'jid' expects a "quoted string"/);
  assert.throws(() => parseConfig('\ncolour = "red"', 'cfg'), /cfg:2: unknown setting 'colour'/);
  assert.throws(() => parseConfig('retry = "3"', 'cfg'), /cfg:1: 'retry' expects a number/);
  assert.throws(() => parseConfig('jid = "a"\njid = "b"', 'cfg'), /cfg:2: 'jid' is set twice/);
  assert.throws(() => parseConfig('just words', 'cfg'), /cfg:1: expected key = value/);
});

// Found by the fuzz test: a key on Object.prototype was taken for a setting already set.
test("'constructor' is an unknown setting, not one set twice", () => {
  assert.throws(() => parseConfig('constructor = 1', 'cfg'), /cfg:1: unknown setting 'constructor'/);
});

test('the default path follows XDG_CONFIG_HOME, else ~/.config; a missing default file is fine, a missing --config is not', async () => {
  assert.equal(defaultConfigPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' }), '/x/xep65/config');
  assert.equal(defaultConfigPath({ HOME: '/h' }), '/h/.config/xep65/config');
  assert.equal(defaultConfigPath({ XDG_CONFIG_HOME: 'relative', HOME: '/h' }), '/h/.config/xep65/config');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xep65-cfg-'));
  try {
    assert.equal(loadConfig(undefined, { HOME: dir }).found, false);
    assert.throws(() => loadConfig(path.join(dir, 'nope'), {}), { code: 'usage' });
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('a password in a file readable by group or others is refused with the fix; mode 600 is read', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xep65-cfg-'));
  const file = path.join(dir, 'config');
  try {
    await writeFile(file, 'password = "secret"\n');
    for (const mode of [0o640, 0o604]) {
      await chmod(file, mode);
      assert.throws(() => loadConfig(file, {}), /readable by others .*run: chmod 600/);
    }
    await chmod(file, 0o600);
    assert.equal(loadConfig(file, {}).values.password, 'secret');
    await writeFile(file, 'jid = "a@b"\n');
    await chmod(file, 0o644);
    assert.equal(loadConfig(file, {}).values.jid, 'a@b', 'without a password the mode does not matter');
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('durations and sizes as users type them', () => {
  assert.deepEqual(['30', '30s', '5m', '1.5h', '1d'].map((d) => parseDuration(d, 'x')), [30, 30, 300, 5400, 86400]);
  assert.deepEqual(['100', '10k', '2.5M', '1G', '1KiB', '2MiB'].map((s) => parseSize(s, 'x')), [100, 10_000, 2_500_000, 1e9, 1024, 2 * 1024 * 1024]);
  for (const bad of ['', '0', '-1s', '5 minutes', 'soon']) assert.throws(() => parseDuration(bad, '--timeout'), /--timeout takes a duration/);
  for (const bad of ['', '5 apples', '-1', 'big']) assert.throws(() => parseSize(bad, '--max-size'), /--max-size takes a size/);
});

// Issue 10 #5: a syntax error used to print the value, the password included, even from a file
// readable by others (the message came before the mode check).
test('a malformed password line never shows the password, and a shared file is refused first', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xep65-cfg-'));
  try {
    const file = path.join(dir, 'config');
    await writeFile(file, 'jid = "a@example.test"\npassword = hunter2-secret\n');
    await chmod(file, 0o600);
    assert.throws(() => loadConfig(file, {}), (err: Error) => /config:2: 'password' expects a "quoted string"/.test(err.message) && !err.message.includes('hunter2'));
    await chmod(file, 0o644);
    assert.throws(() => loadConfig(file, {}), (err: Error) => /chmod 600/.test(err.message) && !err.message.includes('hunter2'));
    for (const bad of ['retry = hunter2-secret', 'direct = hunter2-secret', 'proxy = [hunter2-secret]']) {
      assert.throws(() => parseConfig(bad, 'cfg'), (err: Error) => !err.message.includes('hunter2'), bad);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the receive keys of bare-JID presence and resume: approve, priority, resume', () => {
  assert.deepEqual(parseConfig('approve = false\npriority = 5\nresume = true\n', 'cfg'), { approve: false, priority: 5, resume: true });
  assert.throws(() => parseConfig('resume = "yes"\n', 'cfg'), /cfg:1/);
});

// Many transfers at once (issue 10): twelve files with --parallel 12 between two real CLIs on a
// private Prosody. Each arrives intact, and neither side writes anything but its results: no
// MaxListenersExceededWarning (a listener per transfer on one shared signal), --json stays JSON.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, runCli, sha256File, startCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';

const FILES = 12;

describe('twelve transfers at once', () => {
  let prosody: PrivateProsody;
  let work: string;

  before(async () => {
    prosody = await startProsody({ accounts: [{ user: 'alice', password: 'a-secret' }, { user: 'bob', password: 'b-secret' }] });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-many-'));
  });

  after(async () => {
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('all arrive, and stderr holds no warning on either side; --json stdout is only JSON', async () => {
    const src = path.join(work, 'src');
    const dir = path.join(work, 'dst');
    await mkdir(src);
    await mkdir(dir);
    const names = Array.from({ length: FILES }, (_, i) => `f${String(i).padStart(2, '0')}.bin`);
    for (const name of names) await writeRandomFile(path.join(src, name), 3 * 1024 * 1024);
    const receiver = startCli(['receive', '--accept-all', '--dir', dir, '--count', String(FILES), '--json'], accountEnv(prosody, 'bob', 'b-secret'));
    await receiver.waitForStdout(/"event":"ready"/);
    const sender = await runCli(
      ['send', ...names.map((n) => path.join(src, n)), `bob@${prosody.domain}/xep65`, '--parallel', String(FILES), '--no-proxy', '--host', '127.0.0.1', '--json'],
      accountEnv(prosody, 'alice', 'a-secret'),
    );
    const received = await receiver.done;
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(received.code, 0, received.stderr);
    for (const [side, result] of [['sender', sender], ['receiver', received]] as const) {
      assert.doesNotMatch(result.stderr, /Warning|MaxListeners/, `${side} stderr: ${result.stderr}`);
      const records = result.stdout.trim().split('\n').map((line) => {
        assert.doesNotThrow(() => JSON.parse(line), `${side} stdout line: ${line}`);
        return JSON.parse(line) as { event: string; peakRssBytes?: number };
      });
      // Memory bounded: reused buffers per transfer (6 MiB sending, 1 MiB receiving), not per file size.
      const peak = records.find((r) => r.event === 'stats')?.peakRssBytes ?? 0;
      assert.ok(peak > 0 && peak < 300 * 1024 * 1024, `${side} peak RSS ${Math.round(peak / 2 ** 20)} MiB`);
    }
    assert.deepEqual((await readdir(dir)).sort(), names);
    for (const name of names) assert.equal(await sha256File(path.join(dir, name)), await sha256File(path.join(src, name)));
  });
});

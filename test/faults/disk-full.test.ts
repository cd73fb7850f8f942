// Disk full mid-transfer (issue 10, item 3): the receive directory is a 4 MiB tmpfs and the file
// is 16 MiB. The receiver fails with one line (exit 1, an I/O error) and leaves nothing behind;
// the sender learns of it from the reset and exits 5, never "Sent". Mounting needs root: the
// test is skipped, with its reason, otherwise.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, runCli, startCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';

function mountTmpfs(dir: string): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs here: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  }
}

describe('the receive directory fills up', () => {
  let prosody: PrivateProsody;
  let work: string;
  let small: string;
  let skip: string | undefined;

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-full-'));
    small = path.join(work, 'small');
    await mkdir(small);
    skip = mountTmpfs(small);
    if (skip) return;
    prosody = await startProsody({ accounts: [{ user: 'alice', password: 'a-secret' }, { user: 'bob', password: 'b-secret' }] });
  });

  after(async () => {
    await prosody?.stop();
    if (!skip) execFileSync('umount', [small]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('ENOSPC: receiver exit 1 with one line and no file or part file; sender exit 5', async (t) => {
    if (skip) return t.skip(skip);
    const file = path.join(work, 'big.bin');
    await writeRandomFile(file, 16 * 1024 * 1024);
    const receiver = startCli(['receive', '--accept-all', '--dir', small, '--count', '1'], accountEnv(prosody, 'bob', 'b-secret'));
    await receiver.waitForStderr(/Waiting for files as /);
    const sent = await runCli(['send', file, `bob@${prosody.domain}/xep65`, '--no-proxy', '--no-ibb', '--host', '127.0.0.1'], accountEnv(prosody, 'alice', 'a-secret'));
    const got = await receiver.done;
    assert.equal(got.code, 1, got.stderr);
    const failed = got.stderr.split('\n').filter((l) => /^Failed big\.bin/.test(l));
    assert.equal(failed.length, 1, got.stderr);
    assert.match(failed[0]!, /no space left|ENOSPC/i);
    assert.equal(sent.code, 5, sent.stderr);
    assert.doesNotMatch(sent.stderr, /Sent big\.bin/);
    assert.deepEqual(await readdir(small), [], 'the part file was removed, the space is free again');
  });
});

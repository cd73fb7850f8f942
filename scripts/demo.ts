// `npm run demo`: starts a private Prosody with two accounts, then sends a file from alice to
// bob twice with the real CLI (directly, then through Prosody's SOCKS5 proxy), checks that
// each copy is identical, and stops everything it started.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProsody } from '../test/helpers/prosody.js';
import { accountEnv, BIN, sha256File, startCli } from '../test/helpers/cli.js';
import { writeRandomFile } from '../test/helpers/files.js';

const SIZE = Number(process.env.DEMO_SIZE_MB ?? 256) * 1024 * 1024;

async function main(): Promise<number> {
  console.error('Starting a private Prosody on 127.0.0.1 with accounts alice and bob...');
  const prosody = await startProsody({ accounts: [{ user: 'alice', password: 'alice-demo' }, { user: 'bob', password: 'bob-demo' }] });
  const work = await mkdtemp(path.join(os.tmpdir(), 'xep65-demo-'));
  try {
    const file = path.join(work, 'demo.bin');
    await writeRandomFile(file, SIZE);
    const expected = await sha256File(file);
    let failed = 0;
    for (const [label, extra] of [
      ['direct (our own SOCKS5 streamhost)', ['--no-proxy', '--host', '127.0.0.1']],
      ['mediated (through Prosody\'s proxy65)', ['--no-direct']],
    ] as const) {
      const dir = path.join(work, label.split(' ')[0]!);
      await mkdir(dir);
      console.error(`\n== ${label}: ${SIZE / 1024 / 1024} MiB from alice to bob`);
      const receiver = startCli(['receive', '--accept-all', '--count', '1', '--dir', dir], accountEnv(prosody, 'bob', 'bob-demo'));
      receiver.child.stderr!.pipe(process.stderr);
      await receiver.waitForStderr(/Waiting for files as /);
      const code = await runInTerminal(['send', file, `bob@${prosody.domain}/xep65`, ...extra], accountEnv(prosody, 'alice', 'alice-demo'));
      const received = await receiver.done;
      const same = code === 0 && received.code === 0 && (await sha256File(path.join(dir, 'demo.bin'))) === expected;
      console.error(same ? `OK: bob's copy is identical (sha256 ${expected.slice(0, 16)}...)` : `FAILED: sender ${code}, receiver ${received.code}`);
      if (!same) failed++;
    }
    return failed === 0 ? 0 : 1;
  } finally {
    await rm(work, { recursive: true, force: true });
    await prosody.stop();
    console.error('\nProsody stopped; temporary files removed.');
  }
}

/** The sender shares our terminal, so its progress bar shows when this runs on a TTY. */
function runInTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<number | null> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, NO_COLOR: process.env.NO_COLOR }, stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve) => child.on('close', (code) => resolve(code)));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

// `xep65 proxy` (the real CLI, as an XEP-0114 component of a private Prosody) under hostile
// SOCKS5 traffic: a flood from one address, malformed handshakes from another, all while a real
// `xep65 send` → `xep65 receive` goes through it. The transfer must arrive intact, the proxy must
// stay up with bounded memory, report what it refused, and stop cleanly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, runCli, sha256File, startCli, type RunningCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';
import { checkAnswer, flood, hostileCases, randomHash, rawPeer, runHostile, GREETING } from '../helpers/hostile-socks5.js';

const SECRET = 'hostile-component-secret';
const PASSWORDS = { alice: 'alice-pw-h', bob: 'bob-pw-h' };
const MAX_PER_ADDRESS = 20;

/** Resident memory of a process, in MB (Linux /proc). */
async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) / 1000;
}

describe('xep65 proxy under hostile SOCKS5 traffic', () => {
  let prosody: PrivateProsody;
  let work: string;
  let proxy: RunningCli;
  let port: number;
  let stdout = '';
  let stderr = '';
  const strays: net.Socket[] = [];

  const events = () => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

  before(async () => {
    prosody = await startProsody({ accounts: Object.entries(PASSWORDS).map(([user, password]) => ({ user, password })), componentSecret: SECRET });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-hostile-proxy-'));
    proxy = startCli(
      ['proxy', '--component', prosody.componentJid!, '--server', `127.0.0.1:${prosody.componentPort}`, '--listen', '127.0.0.1:0', '--json',
        '--max-per-address', String(MAX_PER_ADDRESS), '--activation-timeout', '3'],
      { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', XEP65_COMPONENT_SECRET: SECRET },
      300_000,
    );
    proxy.child.stdout!.on('data', (d: Buffer | string) => (stdout += String(d)));
    proxy.child.stderr!.on('data', (d: Buffer | string) => (stderr += String(d)));
    await proxy.waitForStdout(/"event":"proxy-ready"/);
    port = (events().find((e) => e.event === 'proxy-ready')!.streamhost as { port: number }).port;
  });

  after(async () => {
    for (const s of strays) s.destroy();
    if (proxy && proxy.child.exitCode === null) {
      proxy.child.kill('SIGTERM');
      await proxy.done;
    }
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('a flood and malformed handshakes during a real transfer: the file arrives intact, the proxy stays up, memory bounded', async () => {
    const dir = path.join(work, 'in');
    await mkdir(dir);
    const file = path.join(work, 'through-hostile.bin');
    await writeRandomFile(file, 3_000_000);
    const rssBefore = await rssMb(proxy.child.pid!);
    const receiver = startCli(['receive', '--accept-all', '--dir', dir, '--count', '1', '--no-ibb', '--no-direct'], accountEnv(prosody, 'bob', PASSWORDS.bob));
    await receiver.waitForStderr(/Waiting for files as /);

    // The flood's first MAX_PER_ADDRESS connections stay open (silent) for the whole transfer.
    strays.push(...(await flood(port, 300, { localAddress: '127.0.0.2' })));
    const sending = runCli(['send', file, `bob@${prosody.domain}/xep65`, '--no-direct', '--no-ibb', '--proxy', prosody.componentJid!], accountEnv(prosody, 'alice', PASSWORDS.alice));
    const cases = hostileCases(randomHash).filter((c) => !c.deadline && !c.proxyTakesIt);
    const answers = await Promise.all(cases.map((c) => runHostile(port, c, 5000, '127.0.0.3')));

    const sender = await sending;
    const got = await receiver.done;
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(await sha256File(path.join(dir, 'through-hostile.bin')), await sha256File(file));
    cases.forEach((c, i) => assert.equal(checkAnswer(c, answers[i]!.bytes), undefined, c.name));

    assert.equal(proxy.child.exitCode, null, 'the proxy is still running');
    const rssAfter = await rssMb(proxy.child.pid!);
    assert.ok(rssAfter - rssBefore < 100, `proxy RSS grew ${(rssAfter - rssBefore).toFixed(1)} MB`);
    const refusedEvents = events().filter((e) => e.event === 'connection-refused');
    assert.ok(refusedEvents.length >= 300 - MAX_PER_ADDRESS + cases.length, `${refusedEvents.length} refusals reported`);
    assert.ok(refusedEvents.some((e) => /connections open from 127\.0\.0\.2/.test(String(e.reason))));
    const closed = events().find((e) => e.event === 'stream-closed');
    assert.equal(closed?.bytes, 3_000_000);
    assert.doesNotMatch(stderr, /^\s+at |node:internal|TypeError|RangeError/m, 'no stack trace on the proxy\'s stderr');
  });

  test('many handshakes at once put no Node warning on the proxy\'s stderr',
    async () => {
      const peers = await Promise.all(Array.from({ length: 15 }, () => rawPeer(port, { localAddress: '127.0.0.5' })));
      await Promise.all(peers.map((p) => p.write(GREETING)));
      await Promise.all(peers.map((p) => p.waitBytes(2)));
      await new Promise((r) => setTimeout(r, 100));
      for (const p of peers) p.destroy();
      assert.doesNotMatch(stderr, /\(node:\d+\)|Warning/);
    });

  test('SIGTERM after the storm: exit 0, every connection closed, the counters count the refusals', async () => {
    for (const s of strays) s.destroy();
    proxy.child.kill('SIGTERM');
    const result = await proxy.done;
    assert.equal(result.code, 0, result.stderr);
    const counters = events().filter((e) => e.event === 'counters').at(-1)!.counters as Record<string, number>;
    assert.equal(counters.connections, 0);
    assert.ok(counters.refusedConnections! >= 300 - MAX_PER_ADDRESS, JSON.stringify(counters));
    assert.equal(counters.completed, 1);
  });
});

// Resuming an interrupted transfer (issue 14), end to end through the real CLI and a private
// Prosody: `receive --resume` keeps what a failed transfer received and asks the same file again
// only for the rest (SI range, XEP-0096 §3.3; Jingle session-accept range, XEP-0234 §6.4). The
// sender is SIGKILLed at about half, held there by a forwarder in front of the streamhost (ours,
// or our proxy's); the second send carries exactly the rest, and the file is verified whole.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, runCli, sha256File, type RunningCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';
import type { Forwarder } from '../helpers/tcp-forwarder.js';
import { faultKit } from '../helpers/fault-kit.js';

const SECRET = 'resume-component-secret';
const SIZE = 32 * 1024 * 1024;
type JsonRecord = { event: string } & Record<string, unknown>;
const records = (stdout: string): JsonRecord[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonRecord);
const noteOf = (dir: string, name: string) => path.join(dir, `.${name}.xep65-resume.json`);
const partOf = (dir: string, name: string) => path.join(dir, `.${name}.xep65-resume.part`);

describe('resume an interrupted transfer', () => {
  let prosody: PrivateProsody;
  let work: string;
  let proxy: RunningCli | undefined;
  let proxyForwarder: Forwarder | undefined;
  const kit = faultKit();

  before(async () => {
    prosody = await startProsody({ accounts: [{ user: 'alice', password: 'a-secret' }, { user: 'bob', password: 'b-secret' }], componentSecret: SECRET });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-resume-'));
  });

  after(async () => {
    await kit.stopAll();
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const alice = () => accountEnv(prosody, 'alice', 'a-secret');
  const bob = () => accountEnv(prosody, 'bob', 'b-secret');
  const bobFull = () => `bob@${prosody.domain}/xep65`;
  const cli = (args: string[], env: NodeJS.ProcessEnv) => kit.cli(args, env);
  const forwarder = (port: number) => kit.forwarder(port);
  async function newDir(name: string): Promise<string> {
    const dir = path.join(work, name);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Our proxy, as a component, with a forwarder in front of its SOCKS5 port (started once). */
  async function ourProxy(): Promise<{ jid: string; held: Forwarder }> {
    if (!proxy) {
      const listenPort = await freePort();
      proxyForwarder = await forwarder(listenPort);
      proxy = cli(
        ['proxy', '--component', prosody.componentJid!, '--server', `127.0.0.1:${prosody.componentPort}`, '--listen', `127.0.0.1:${listenPort}`, '--public-port', String(proxyForwarder.port)],
        { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', XEP65_COMPONENT_SECRET: SECRET },
      );
      await proxy.waitForStderr(/ready/);
    }
    return { jid: prosody.componentJid!, held: proxyForwarder! };
  }

  /** Starts a send through a forwarder and SIGKILLs the sender once about half went through it. */
  async function sendKilledAtHalf(file: string, protocol: string, route: 'direct' | 'proxy'): Promise<void> {
    let held: Forwarder;
    let routeArgs: string[];
    if (route === 'direct') {
      const listenPort = await freePort();
      held = await forwarder(listenPort);
      routeArgs = ['--no-proxy', '--port', String(listenPort), '--host', `127.0.0.1:${held.port}`];
    } else {
      const p = await ourProxy();
      held = p.held;
      routeArgs = ['--no-direct', '--proxy', p.jid];
    }
    const halfway = held.pauseAt(held.bytesDown + SIZE / 2);
    const sender = cli(['send', file, bobFull(), '--protocol', protocol, '--no-ibb', ...routeArgs], alice());
    await halfway;
    sender.child.kill('SIGKILL');
    await sender.done;
    held.resume();
  }

  for (const protocol of ['si', 'jingle']) {
    for (const route of ['direct', 'proxy'] as const) {
      test(`${protocol}, ${route}: sender killed at half; sent again, only the rest travels; the file is verified whole`, async () => {
        const dir = await newDir(`${protocol}-${route}`);
        const file = path.join(work, `${protocol}-${route}.bin`);
        await writeRandomFile(file, SIZE);
        const name = path.basename(file);
        const receiver = cli(['receive', '--accept-all', '--resume', '--dir', dir, '--count', '2', '--no-direct', '--json'], bob());
        await receiver.waitForStdout(/"event":"ready"/);
        await sendKilledAtHalf(file, protocol, route);
        await receiver.waitForStdout(/"event":"failed"/);

        const note = JSON.parse(await readFile(noteOf(dir, name), 'utf8')) as { bytes: number; from: string; size: number };
        const kept = (await stat(partOf(dir, name))).size;
        assert.ok(note.bytes > 0 && note.bytes <= kept && kept < SIZE, `note ${note.bytes}, part ${kept}`);
        assert.deepEqual([note.from, note.size], [`alice@${prosody.domain}`, SIZE]);

        const routeArgs = route === 'direct' ? ['--no-proxy', '--host', '127.0.0.1'] : ['--no-direct', '--proxy', (await ourProxy()).jid];
        const sent = await runCli(['send', file, bobFull(), '--protocol', protocol, '--no-ibb', '--json', ...routeArgs], alice());
        assert.equal(sent.code, 0, sent.stderr + sent.stdout);
        const done = records(sent.stdout).find((e) => e.event === 'done')!;
        assert.equal(done.resumedFrom, note.bytes, 'resumed from what the note claims');
        assert.equal(done.bytes, SIZE - note.bytes, 'only the rest was sent');
        const got = await receiver.done;
        assert.equal(got.code, 5, "the first attempt's failure is the last failure (its status), the second was saved");
        const events = records(got.stdout);
        assert.equal(events.find((e) => e.event === 'resumed-from')?.offset, note.bytes);
        assert.equal(events.filter((e) => e.event === 'done').at(-1)?.resumedFrom, note.bytes);
        assert.deepEqual(await readdir(dir), [name], 'no part file, no note left');
        assert.equal(await sha256File(path.join(dir, name)), await sha256File(file));
      });
    }
  }

  test('the file changed on the sender (same name, other content and date): it starts from zero and says so', async () => {
    const dir = await newDir('changed');
    const file = path.join(work, 'changed.bin');
    await writeRandomFile(file, SIZE);
    const receiver = cli(['receive', '--accept-all', '--resume', '--dir', dir, '--count', '2', '--no-direct', '--json'], bob());
    await receiver.waitForStdout(/"event":"ready"/);
    await sendKilledAtHalf(file, 'si', 'direct');
    await receiver.waitForStdout(/"event":"failed"/);
    await writeRandomFile(file, SIZE);
    await utimes(file, new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
    const sent = await runCli(['send', file, bobFull(), '--protocol', 'si', '--no-proxy', '--host', '127.0.0.1', '--json'], alice());
    assert.equal(sent.code, 0, sent.stderr);
    const done = records(sent.stdout).find((e) => e.event === 'done')!;
    assert.equal(done.bytes, SIZE);
    assert.equal(done.resumedFrom, undefined);
    const events = records((await receiver.done).stdout);
    assert.match(String(events.find((e) => e.event === 'resume-mismatch')?.why), /date was .*, now 2026-01-02T03:04:05/);
    assert.deepEqual(await readdir(dir), ['changed.bin']);
    assert.equal(await sha256File(path.join(dir, 'changed.bin')), await sha256File(file));
  });

  test('a receiver killed mid-transfer: its note never claims more than its part holds; the next one resumes', async () => {
    const dir = await newDir('receiver-killed');
    const file = path.join(work, 'receiver-killed.bin');
    await writeRandomFile(file, SIZE);
    const listenPort = await freePort();
    const held = await forwarder(listenPort);
    const receiver = cli(['receive', '--accept-all', '--resume', '--dir', dir, '--count', '1', '--no-direct'], bob());
    await receiver.waitForStderr(/Waiting for files as /);
    const mostly = held.pauseAt(SIZE * 0.6);
    const sender = cli(['send', file, bobFull(), '--protocol', 'jingle', '--no-proxy', '--no-ibb', '--port', String(listenPort), '--host', `127.0.0.1:${held.port}`], alice());
    await mostly;
    receiver.child.kill('SIGKILL');
    await receiver.done;
    held.resume();
    await sender.done;
    const note = JSON.parse(await readFile(noteOf(dir, 'receiver-killed.bin'), 'utf8')) as { bytes: number };
    const kept = (await stat(partOf(dir, 'receiver-killed.bin'))).size;
    assert.ok(note.bytes > 0 && note.bytes <= kept, `note ${note.bytes}, part ${kept}`);

    const next = cli(['receive', '--accept-all', '--resume', '--dir', dir, '--count', '1', '--json'], bob());
    await next.waitForStdout(/"event":"ready"/);
    const sent = await runCli(['send', file, bobFull(), '--protocol', 'jingle', '--no-proxy', '--host', '127.0.0.1', '--json'], alice());
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(records(sent.stdout).find((e) => e.event === 'done')?.resumedFrom, note.bytes);
    assert.equal((await next.done).code, 0);
    assert.deepEqual(await readdir(dir), ['receiver-killed.bin']);
    assert.equal(await sha256File(path.join(dir, 'receiver-killed.bin')), await sha256File(file));
  });

  test('offsets past 4 GiB: a sparse 4 GiB + 1 MiB file resumed at 4 GiB + 512 KiB sends the last 512 KiB', async () => {
    const dir = await newDir('sparse');
    const file = path.join(work, 'sparse.bin');
    const size = 4 * 1024 ** 3 + 1024 * 1024;
    const offset = 4 * 1024 ** 3 + 512 * 1024;
    const tail = Buffer.alloc(1024 * 1024, 0);
    for (let i = 0; i < tail.length; i += 4096) tail.writeUInt32BE(i ^ 0x5eed, i);
    await truncate(file, 0).catch(() => undefined);
    await writeFile(file, '');
    const out = await open(file, 'r+');
    await out.write(tail, 0, tail.length, size - tail.length); // a hole, then 1 MiB of data
    await out.close();
    const date = new Date('2026-03-04T05:06:07Z');
    await utimes(file, date, date);
    // What an earlier attempt kept: the same first bytes (zeros, then the first half of the tail).
    const part = partOf(dir, 'sparse.bin');
    await writeFile(part, '');
    const kept = await open(part, 'r+');
    await kept.write(tail, 0, 512 * 1024, size - tail.length);
    await kept.close();
    assert.equal((await stat(part)).size, offset);
    await writeFile(noteOf(dir, 'sparse.bin'), JSON.stringify({ from: `alice@${prosody.domain}`, name: 'sparse.bin', size, date: date.toISOString(), bytes: offset, pid: 2 ** 22 + 1 }));
    const receiver = cli(['receive', '--accept-all', '--resume', '--dir', dir, '--count', '1', '--json'], bob());
    await receiver.waitForStdout(/"event":"ready"/);
    const sent = await runCli(['send', file, bobFull(), '--protocol', 'si', '--no-proxy', '--host', '127.0.0.1', '--json'], alice());
    assert.equal(sent.code, 0, sent.stderr);
    const done = records(sent.stdout).find((e) => e.event === 'done')!;
    assert.deepEqual([done.resumedFrom, done.bytes], [offset, size - offset]);
    assert.equal((await receiver.done).code, 0);
    const saved = path.join(dir, 'sparse.bin');
    assert.equal((await stat(saved)).size, size);
    const got = Buffer.alloc(tail.length);
    const h = await open(saved, 'r');
    await h.read(got, 0, got.length, size - tail.length);
    await h.close();
    assert.ok(got.equals(tail), 'the last MiB, across the resume point, is the sender\'s');
  });

  test('kept bytes that are not the sender\'s: the whole-file MD5 fails, exit 6, the bytes kept as NAME.part, no note', async () => {
    const dir = await newDir('corrupt');
    const file = path.join(work, 'corrupt.bin');
    await writeRandomFile(file, 4 * 1024 * 1024);
    const date = new Date('2026-05-06T07:08:09Z');
    await utimes(file, date, date);
    await writeRandomFile(partOf(dir, 'corrupt.bin'), 2 * 1024 * 1024); // not the file's first half
    await writeFile(noteOf(dir, 'corrupt.bin'), JSON.stringify({ from: `alice@${prosody.domain}`, name: 'corrupt.bin', size: 4 * 1024 * 1024, date: date.toISOString(), bytes: 2 * 1024 * 1024, pid: 2 ** 22 + 1 }));
    const receiver = cli(['receive', '--accept-all', '--resume', '--dir', dir, '--count', '1'], bob());
    await receiver.waitForStderr(/Waiting for files as /);
    const sent = await runCli(['send', file, bobFull(), '--protocol', 'si', '--hash', '--no-proxy', '--host', '127.0.0.1'], alice());
    assert.notEqual(sent.code, 0);
    const got = await receiver.done;
    assert.equal(got.code, 6, got.stderr);
    assert.match(got.stderr, /MD5 of corrupt\.bin is [0-9a-f]{32}, the sender said [0-9a-f]{32}; the bytes received are kept in \S+corrupt\.bin\.part/);
    assert.deepEqual((await readdir(dir)).sort(), ['corrupt.bin.part']);
    assert.equal((await stat(path.join(dir, 'corrupt.bin.part'))).size, 4 * 1024 * 1024);
  });
});

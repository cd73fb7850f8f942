// Faults mid-transfer (issue 10, item 3): an XMPP connection cut by a TCP forwarder in front of
// Prosody while a transfer runs. A SOCKS5 bytestream does not need the XMPP connection once it is
// open, so it finishes; an in-band stream cannot, and fails cleanly. Real CLI, real Prosody. SI
// only: Jingle needs the XMPP connection after the data (checksum, session-terminate), so there a
// cut connection fails the transfer (covered in test/jingle/).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProsody, freePort, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, sha256File, startCli, type RunningCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';
import { startForwarder, type Forwarder } from '../helpers/tcp-forwarder.js';

const SIZE = 24 * 1024 * 1024;

describe('the XMPP connection cut during a transfer', () => {
  let prosody: PrivateProsody;
  let work: string;
  let file: string;
  const forwarders: Forwarder[] = [];

  before(async () => {
    prosody = await startProsody({ accounts: [{ user: 'alice', password: 'a-secret' }, { user: 'bob', password: 'b-secret' }] });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-cut-'));
    file = path.join(work, 'big.bin');
    await writeRandomFile(file, SIZE);
  });

  after(async () => {
    await Promise.all(forwarders.map((f) => f.close()));
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function forwarder(port: number): Promise<Forwarder> {
    const f = await startForwarder(port);
    forwarders.push(f);
    return f;
  }

  /** An account whose XMPP connection goes through a forwarder the test can cut. */
  async function viaForwarder(user: string, password: string): Promise<{ env: NodeJS.ProcessEnv; xmpp: Forwarder }> {
    const xmpp = await forwarder(prosody.c2sPort);
    return { env: { ...accountEnv(prosody, user, password), XEP65_SERVER: `127.0.0.1:${xmpp.port}` }, xmpp };
  }

  async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Sends `file` over our own streamhost, advertised behind a forwarder that holds the data back
   * once a few MiB went through; `fault` runs while it is held, then the data flows again.
   */
  async function heldTransfer(senderEnv: NodeJS.ProcessEnv, receiverEnv: NodeJS.ProcessEnv, dir: string, fault: () => Promise<void>) {
    const listenPort = await freePort();
    const data = await forwarder(listenPort);
    const receiver = startCli(['receive', '--accept-all', '--dir', dir, '--count', '1'], receiverEnv);
    await receiver.waitForStderr(/Waiting for files as /);
    const sender = startCli(['send', '--protocol', 'si', file, `bob@${prosody.domain}/xep65`, '--no-proxy', '--no-ibb', '--port', String(listenPort), '--host', `127.0.0.1:${data.port}`], senderEnv);
    await until(() => data.bytesDown > 2 * 1024 * 1024, 'the first MiB of the transfer');
    data.pause();
    await fault();
    await new Promise((r) => setTimeout(r, 300));
    data.resume();
    return { sender: await sender.done, receiver: await receiver.done };
  }

  const bobEnv = () => accountEnv(prosody, 'bob', 'b-secret');
  const aliceEnv = () => accountEnv(prosody, 'alice', 'a-secret');

  test("the receiver's XMPP connection cut mid-stream: the bytestream finishes, the file is saved, both exit 0", async () => {
    const dir = path.join(work, 'receiver-cut');
    await mkdir(dir);
    const bob = await viaForwarder('bob', 'b-secret');
    const { sender, receiver } = await heldTransfer(aliceEnv(), bob.env, dir, async () => bob.xmpp.cut());
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.equal(sender.code, 0, sender.stderr);
    assert.doesNotMatch(receiver.stderr, /cancelled/);
    assert.deepEqual(await readdir(dir), ['big.bin']);
    assert.equal(await sha256File(path.join(dir, 'big.bin')), await sha256File(file));
  });

  test("the sender's XMPP connection cut mid-stream: the bytestream finishes, the sender exits 0", async () => {
    const dir = path.join(work, 'sender-cut');
    await mkdir(dir);
    const alice = await viaForwarder('alice', 'a-secret');
    const { sender, receiver } = await heldTransfer(alice.env, bobEnv(), dir, async () => alice.xmpp.cut());
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.equal(await sha256File(path.join(dir, 'big.bin')), await sha256File(file));
  });

  test('cut while waiting for offers: exit 3 with one line, nothing written', async () => {
    const dir = path.join(work, 'idle-cut');
    await mkdir(dir);
    const bob = await viaForwarder('bob', 'b-secret');
    const receiver: RunningCli = startCli(['receive', '--accept-all', '--dir', dir], bob.env);
    await receiver.waitForStderr(/Waiting for files as /);
    bob.xmpp.cut();
    const result = await receiver.done;
    assert.equal(result.code, 3, result.stderr);
    const lines = result.stderr.trim().split('\n').filter((l) => !/^Waiting for files/.test(l));
    assert.equal(lines.length, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    assert.deepEqual(await readdir(dir), []);
  });

  test('in-band stream: the receiver cut mid-transfer fails the file at once (no final file, no .part), exit 3; the sender exits non-zero', async () => {
    const dir = path.join(work, 'ibb-cut');
    await mkdir(dir);
    const bob = await viaForwarder('bob', 'b-secret');
    const receiver = startCli(['receive', '--accept-all', '--dir', dir, '--count', '1'], bob.env);
    await receiver.waitForStderr(/Waiting for files as /);
    const small = path.join(work, 'ibb.bin');
    await writeRandomFile(small, 4 * 1024 * 1024);
    const sender = startCli(['send', '--protocol', 'si', small, `bob@${prosody.domain}/xep65`, '--no-proxy', '--no-direct', '--json'], aliceEnv());
    await sender.waitForStdout(/"event":"progress"/, 30_000);
    bob.xmpp.cut();
    const [s, r] = await Promise.all([sender.done, receiver.done]);
    assert.equal(r.code, 3, r.stderr);
    assert.notEqual(s.code, 0, s.stdout + s.stderr);
    assert.deepEqual(await readdir(dir), []);
  });
});

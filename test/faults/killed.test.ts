// Faults mid-transfer (issue 10, item 3): the receiver, the sender or our proxy killed with
// SIGKILL while bytes flow. The data is held back by a forwarder in front of the streamhost so
// the kill lands in the middle. The side that survives exits with the documented status and one
// clear line; no file appears under its final name; a killed receiver's part file is removed by
// the next receiver that uses the directory. Real CLI, real Prosody, real proxy; each case by SI and by Jingle.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, sha256File, type CliResult, type RunningCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';
import type { Forwarder } from '../helpers/tcp-forwarder.js';
import { faultKit, until } from '../helpers/fault-kit.js';

const SECRET = 'fault-component-secret';
const SIZE = 16 * 1024 * 1024;

describe('a peer killed during a transfer', () => {
  let prosody: PrivateProsody;
  let work: string;
  let file: string;
  const kit = faultKit();

  before(async () => {
    prosody = await startProsody({ accounts: [{ user: 'alice', password: 'a-secret' }, { user: 'bob', password: 'b-secret' }], componentSecret: SECRET });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-kill-'));
    file = path.join(work, 'big.bin');
    await writeRandomFile(file, SIZE);
  });

  after(async () => {
    await kit.stopAll();
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const alice = () => accountEnv(prosody, 'alice', 'a-secret');
  const bob = () => accountEnv(prosody, 'bob', 'b-secret');
  const bobFull = () => `bob@${prosody.domain}/xep65`;

  const cli = (args: string[], env: NodeJS.ProcessEnv): RunningCli => kit.cli(args, env);
  const held = (port: number): Promise<Forwarder> => kit.forwarder(port);

  async function newDir(name: string): Promise<string> {
    const dir = path.join(work, name);
    await mkdir(dir);
    return dir;
  }

  /** One line saying what went wrong: no stack trace, no Node-internal wording. */
  function assertOneClearLine(result: CliResult, pattern: RegExp): void {
    const errors = result.stderr.split('\n').filter((l) => pattern.test(l));
    assert.equal(errors.length, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /\n\s+at |Cannot call write|ERR_[A-Z_]+|undefined/, result.stderr);
  }

  /** A transfer over our own streamhost, held once 2 MiB went through. */
  async function heldDirect(dir: string, protocol: string) {
    const listenPort = await freePort();
    const data = await held(listenPort);
    // --no-direct: a Jingle receiver's own candidate would be nominated, bypassing the forwarder.
    const receiver = cli(['receive', '--accept-all', '--dir', dir, '--count', '1', '--no-direct'], bob());
    await receiver.waitForStderr(/Waiting for files as /);
    const sender = cli(['send', file, bobFull(), '--protocol', protocol, '--no-proxy', '--no-ibb', '--port', String(listenPort), '--host', `127.0.0.1:${data.port}`], alice());
    await until(() => data.bytesDown > 2 * 1024 * 1024, 'the first MiB');
    data.pause();
    return { data, receiver, sender };
  }

  for (const protocol of ['si', 'jingle']) {
  test(`${protocol}: receiver killed: the sender exits 5 with one line; the next receiver removes the stale part file and gets the file`, async () => {
    const dir = await newDir(`receiver-killed-${protocol}`);
    const { data, receiver, sender } = await heldDirect(dir, protocol);
    receiver.child.kill('SIGKILL');
    await receiver.done;
    data.resume();
    const sent = await sender.done;
    assert.equal(sent.code, 5, sent.stderr);
    assertOneClearLine(sent, /^xep65: /);
    const left = await readdir(dir);
    assert.equal(left.length, 1, `the killed receiver's part file: ${left.join(', ')}`);
    assert.match(left[0]!, /^\.big\.bin\.xep65-\d+-[0-9a-f]{8}\.part$/);

    const next = cli(['receive', '--accept-all', '--dir', dir, '--count', '1'], bob());
    await next.waitForStderr(/Waiting for files as /);
    const again = cli(['send', file, bobFull(), '--protocol', protocol, '--no-proxy', '--no-ibb', '--host', '127.0.0.1'], alice());
    const [s, r] = await Promise.all([again.done, next.done]);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Removed 1 part file\(s\) left by a receiver that was killed/);
    assert.deepEqual(await readdir(dir), ['big.bin']);
    assert.equal(await sha256File(path.join(dir, 'big.bin')), await sha256File(file));
  });

  test(`${protocol}: sender killed: the receiver exits 5 with one line, no file and no part file`, async () => {
    const dir = await newDir(`sender-killed-${protocol}`);
    const { data, receiver, sender } = await heldDirect(dir, protocol);
    sender.child.kill('SIGKILL');
    await sender.done;
    data.resume();
    const got = await receiver.done;
    assert.equal(got.code, 5, got.stderr);
    assertOneClearLine(got, /^Failed big\.bin from /);
    assert.deepEqual(await readdir(dir), []);
  });

  test(`${protocol}: our proxy killed mid-stream: both sides exit 5, no file and no part file`, async () => {
    const dir = await newDir(`proxy-killed-${protocol}`);
    const listenPort = await freePort();
    const data = await held(listenPort);
    const proxy = cli(
      ['proxy', '--component', prosody.componentJid!, '--server', `127.0.0.1:${prosody.componentPort}`, '--listen', `127.0.0.1:${listenPort}`, '--public-port', String(data.port)],
      { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', XEP65_COMPONENT_SECRET: SECRET },
    );
    await proxy.waitForStderr(/ready/);
    const receiver = cli(['receive', '--accept-all', '--dir', dir, '--count', '1', '--no-direct'], bob());
    await receiver.waitForStderr(/Waiting for files as /);
    const sender = cli(['send', file, bobFull(), '--protocol', protocol, '--no-direct', '--no-ibb', '--proxy', prosody.componentJid!], alice());
    await until(() => data.bytesDown > 2 * 1024 * 1024, 'the first MiB through the proxy');
    data.pause();
    proxy.child.kill('SIGKILL');
    await proxy.done;
    data.cut(); // the proxy's sockets died with it; the forwarder passes that on
    const [s, r] = await Promise.all([sender.done, receiver.done]);
    assert.equal(s.code, 5, s.stderr);
    assert.equal(r.code, 5, r.stderr);
    assertOneClearLine(s, /^xep65: /);
    assertOneClearLine(r, /^Failed big\.bin from /);
    assert.deepEqual(await readdir(dir), []);
  });
  }
});

// Jingle File Transfer end to end through the real CLI and a private Prosody (XEP-0234 over
// XEP-0260 S5B and XEP-0261 IBB, XEP-0300 SHA-256): xep65 send → xep65 receive picks Jingle by
// default, directly, through Prosody's proxy, and in-band after transport-replace; --protocol si
// still speaks SI to the same receiver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, runCli, sha256File, startCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';

const PASSWORDS = { alice: 'alice-secret-1', bob: 'bob-secret-2' };

type JsonRecord = { event: string } & Record<string, unknown>;
const records = (stdout: string): JsonRecord[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonRecord);
const only = (rs: JsonRecord[], event: string) => rs.filter((r) => r.event === event);

describe('Jingle file transfer between two xep65', () => {
  let prosody: PrivateProsody;
  let work: string;
  let alice: NodeJS.ProcessEnv;
  let bob: NodeJS.ProcessEnv;

  before(async () => {
    prosody = await startProsody({ accounts: Object.entries(PASSWORDS).map(([user, password]) => ({ user, password })) });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-jingle-'));
    alice = accountEnv(prosody, 'alice', PASSWORDS.alice);
    bob = accountEnv(prosody, 'bob', PASSWORDS.bob);
  });

  after(async () => {
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const bobFull = () => `bob@${prosody.domain}/xep65`;

  async function fileAndDir(name: string, size: number) {
    const dir = path.join(work, name);
    await mkdir(dir);
    const file = path.join(work, `${name}.bin`);
    await writeRandomFile(file, size);
    return { dir, file };
  }

  async function transfer(receiveArgs: string[], sendArgs: string[]) {
    const receiver = startCli(['receive', '--json', ...receiveArgs], bob);
    await receiver.waitForStdout(/"event":"ready"/);
    const sender = await runCli(['send', '--json', ...sendArgs], alice);
    if (sender.code !== 0) receiver.child.kill('SIGINT');
    const received = await receiver.done;
    return { sender, receiver: received, sent: records(sender.stdout), got: records(received.stdout) };
  }

  test('by default Jingle, direct, SHA-256 verified; done records protocol, transport and hash', async () => {
    const { dir, file } = await fileAndDir('direct', 3_000_000);
    const { sender, receiver, sent, got } = await transfer(['--accept-all', '--dir', dir, '--count', '1'], [file, bobFull(), '--no-proxy']);
    assert.equal(sender.code, 0, sender.stderr + sender.stdout + receiver.stderr + receiver.stdout);
    assert.equal(receiver.code, 0, receiver.stderr + receiver.stdout);
    assert.equal(only(sent, 'protocol')[0]?.protocol, 'jingle');
    const [sentDone] = only(sent, 'done');
    const [gotDone] = only(got, 'done');
    assert.equal(sentDone?.protocol, 'jingle');
    assert.equal(gotDone?.protocol, 'jingle');
    assert.equal(gotDone?.transport, 's5b-direct');
    const sha = Buffer.from(await sha256File(file), 'hex').toString('base64');
    assert.deepEqual(gotDone?.hash, { algo: 'sha-256', value: sha, verified: true });
    assert.deepEqual(sentDone?.hash, { algo: 'sha-256', value: sha, verified: true });
    assert.equal(only(got, 'candidate-nominated').length, 1);
    assert.equal(await sha256File(path.join(dir, 'direct.bin')), await sha256File(file));
  });

  test("through Prosody's proxy when neither side offers a direct candidate (--no-direct on both)", async () => {
    const { dir, file } = await fileAndDir('proxied', 2_000_000);
    const { sender, receiver, sent, got } = await transfer(['--accept-all', '--dir', dir, '--count', '1', '--no-direct'], [file, bobFull(), '--no-direct']);
    assert.equal(sender.code, 0, sender.stderr + sender.stdout + receiver.stderr + receiver.stdout);
    assert.equal(receiver.code, 0, receiver.stderr + receiver.stdout);
    assert.equal(only(got, 'done')[0]?.transport, 's5b-proxy');
    assert.equal(only(sent, 'done')[0]?.transport, 's5b-proxy');
    const nominated = only(sent, 'candidate-nominated')[0]?.candidate as { jid: string; type: string };
    assert.equal(nominated.jid, prosody.proxyJid);
    assert.equal(nominated.type, 'proxy');
    assert.equal(await sha256File(path.join(dir, 'proxied.bin')), await sha256File(file));
  });

  test('no candidate reachable on either side: transport-replace to IBB (XEP-0260 §2.6, XEP-0261)', async () => {
    const { dir, file } = await fileAndDir('ibb', 200_000);
    // Both advertise a port nothing listens on: every SOCKS5 attempt is refused.
    const { sender, receiver, sent, got } = await transfer(
      ['--accept-all', '--dir', dir, '--count', '1', '--host', '127.0.0.1:9'],
      [file, bobFull(), '--no-proxy', '--host', '127.0.0.1:9'],
    );
    assert.equal(sender.code, 0, sender.stderr + sender.stdout + receiver.stderr + receiver.stdout);
    assert.equal(receiver.code, 0, receiver.stderr + receiver.stdout);
    assert.equal(only(sent, 'transport-replaced').length, 1);
    assert.equal(only(got, 'transport-replaced').length, 1);
    assert.equal(only(got, 'done')[0]?.transport, 'ibb');
    assert.equal((only(got, 'done')[0]?.hash as { verified: boolean }).verified, true);
    assert.equal(await sha256File(path.join(dir, 'ibb.bin')), await sha256File(file));
  });

  test('a declined Jingle offer is exit 4 for the sender, and nothing is saved', async () => {
    const { dir, file } = await fileAndDir('declined', 1000);
    const { sender, receiver } = await transfer(['--from', 'nobody@example.org', '--dir', dir, '--count', '1', '--timeout', '20s'], [file, bobFull(), '--no-proxy']);
    assert.equal(sender.code, 4, sender.stderr + sender.stdout);
    const error = only(records(sender.stdout), 'error')[0];
    assert.equal(error?.code, 'declined');
    assert.match(String(error?.message), /declined/);
    assert.notEqual(receiver.code, null);
    assert.deepEqual(await readdir(dir), []);
  });

  test('--protocol si toward a Jingle-capable receiver still uses SI', async () => {
    const { dir, file } = await fileAndDir('si', 500_000);
    const { sender, receiver, sent, got } = await transfer(['--accept-all', '--dir', dir, '--count', '1'], [file, bobFull(), '--no-proxy', '--protocol', 'si']);
    assert.equal(sender.code, 0, sender.stderr + sender.stdout + receiver.stderr + receiver.stdout);
    assert.equal(receiver.code, 0, receiver.stderr + receiver.stdout);
    assert.equal(only(sent, 'protocol')[0]?.reason, '--protocol si');
    assert.equal(only(got, 'done')[0]?.protocol, 'si');
    assert.equal(await sha256File(path.join(dir, 'si.bin')), await sha256File(file));
  });

  test('--hash puts the SHA-256 in the offer; -v says which protocol, transport and hash', async () => {
    const { dir, file } = await fileAndDir('hashed', 300_000);
    const receiver = startCli(['receive', '--accept-all', '--dir', dir, '--count', '1', '-v'], bob);
    await receiver.waitForStderr(/Waiting for files as /);
    const sender = await runCli(['send', file, bobFull(), '--no-proxy', '--hash', '-v'], alice);
    const received = await receiver.done;
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(received.code, 0, received.stderr);
    assert.match(sender.stderr, /Protocol: Jingle File Transfer \(XEP-0234\)/);
    assert.match(received.stderr, /Transport: SOCKS5, direct/);
    assert.match(received.stderr, /sha-256 verified/);
  });

  test('a 200 MiB file arrives whole (sha256 compared)', async () => {
    const { dir, file } = await fileAndDir('big', 200 * 1024 * 1024);
    const { sender, receiver, got } = await transfer(['--accept-all', '--dir', dir, '--count', '1'], [file, bobFull(), '--no-proxy']);
    assert.equal(sender.code, 0, sender.stderr + sender.stdout + receiver.stderr + receiver.stdout);
    assert.equal(receiver.code, 0, receiver.stderr + receiver.stdout);
    assert.equal((only(got, 'done')[0]?.hash as { verified: boolean }).verified, true);
    assert.equal(await sha256File(path.join(dir, 'big.bin')), await sha256File(file));
    await rm(file);
    await rm(path.join(dir, 'big.bin'));
  });
});

// End to end through the real CLI and a private Prosody (XEP-0065 direct §5 and mediated §6,
// negotiated by XEP-0096, forced with --protocol si; Jingle's are in test/jingle/): nothing is
// mocked at the XMPP level.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, runCli, sha256File, startCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';

const PASSWORDS = { alice: 'alice-secret-1', bob: 'bob-secret-2', 'zoë': 'zoë-secret-3' };

describe('send and receive through a private Prosody', () => {
  let prosody: PrivateProsody;
  let work: string;
  let alice: NodeJS.ProcessEnv;
  let bob: NodeJS.ProcessEnv;

  before(async () => {
    prosody = await startProsody({ accounts: Object.entries(PASSWORDS).map(([user, password]) => ({ user, password })) });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-it-'));
    alice = accountEnv(prosody, 'alice', PASSWORDS.alice);
    bob = accountEnv(prosody, 'bob', PASSWORDS.bob);
  });

  after(async () => {
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const bobFull = () => `bob@${prosody.domain}/xep65`;

  async function newDir(name: string): Promise<string> {
    const dir = path.join(work, name);
    await (await import('node:fs/promises')).mkdir(dir);
    return dir;
  }

  /** Starts `receive` for bob, waits until it says it is online, runs the sender, returns both results. */
  async function transfer(receiveArgs: string[], sendArgs: string[]) {
    const receiver = startCli(['receive', ...receiveArgs], bob);
    await receiver.waitForStderr(/Waiting for files as /);
    const sender = await runCli(['send', '--protocol', 'si', ...sendArgs], alice);
    if (sender.code !== 0) receiver.child.kill('SIGINT');
    return { sender, receiver: await receiver.done };
  }

  test('direct: our own streamhost on loopback (XEP-0065 §5)', async () => {
    const dir = await newDir('direct');
    const file = path.join(work, 'direct.bin');
    await writeRandomFile(file, 3_000_000);
    const { sender, receiver } = await transfer(
      ['--accept-all', '--dir', dir, '--count', '1', '-v'],
      [file, bobFull(), '--no-proxy', '--host', '127.0.0.1', '-v'],
    );
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.match(receiver.stderr, new RegExp(`Connected through alice@${prosody.domain}/xep65-send-`));
    assert.equal(receiver.stdout, `${path.join(dir, 'direct.bin')}\n`);
    assert.equal(await sha256File(path.join(dir, 'direct.bin')), await sha256File(file));
  });

  test('mediated: through Prosody\'s mod_proxy65 with --no-direct (XEP-0065 §6)', async () => {
    const dir = await newDir('proxy');
    const file = path.join(work, 'proxy.bin');
    await writeRandomFile(file, 2_000_000);
    const { sender, receiver } = await transfer(['--accept-all', '--dir', dir, '--count', '1', '-v'], [file, bobFull(), '--no-direct', '-v']);
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.match(sender.stderr, new RegExp(`Connected through ${prosody.proxyJid.replace(/\./g, '\\.')}`));
    assert.equal(await sha256File(path.join(dir, 'proxy.bin')), await sha256File(file));
  });

  test('an explicit --proxy JID is used instead of discovery; --hash sends an MD5 the receiver checks', async () => {
    const dir = await newDir('explicit-proxy');
    const file = path.join(work, 'explicit.bin');
    await writeRandomFile(file, 100_000);
    const { sender, receiver } = await transfer(
      ['--accept-all', '--dir', dir, '--count', '1'],
      [file, bobFull(), '--no-direct', '--proxy', prosody.proxyJid, '--hash', '-v'],
    );
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.doesNotMatch(sender.stderr, /Proxies:/); // no discovery ran
    assert.match(sender.stderr, /timing: discovery\+hash/);
    assert.equal(await sha256File(path.join(dir, 'explicit.bin')), await sha256File(file));
  });

  test('--json: one parseable event per line, ending with stats', async () => {
    const dir = await newDir('json');
    const file = path.join(work, 'json.bin');
    await writeRandomFile(file, 5000);
    const running = startCli(['receive', '--accept-all', '--dir', dir, '--count', '1', '--json'], bob);
    await running.waitForStdout(/"event":"ready"/);
    const sender = await runCli(['send', '--protocol', 'si', file, bobFull(), '--host', '127.0.0.1', '--no-proxy', '--json'], alice);
    const receiver = await running.done;
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(receiver.code, 0, receiver.stderr);
    const events = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });
    const sent = events(sender.stdout);
    const got = events(receiver.stdout);
    assert.deepEqual(sent.filter((e) => e.event !== 'timing' && e.event !== 'progress').map((e) => e.event), ['logged-in', 'protocol', 'offer-sent', 'accepted', 'streamhost-used', 'transport', 'done', 'stats']);
    assert.deepEqual(got.filter((e) => e.event !== 'timing' && e.event !== 'progress').map((e) => e.event), ['ready', 'offer', 'accepted', 'streamhost-tried', 'streamhost-used', 'done', 'stats']);
    const done = got.find((e) => e.event === 'done')!;
    assert.equal(done.path, path.join(dir, 'json.bin'));
    assert.equal(done.bytes, 5000);
    assert.equal(receiver.stderr, '');
  });

  for (const route of [['--no-proxy', '--host', '127.0.0.1'], ['--no-direct']]) {
    test(`non-ASCII JIDs (local part and resources), ${route[0]}: DST.ADDR over UTF-8 of the JIDs as on the wire`, async () => {
      const dir = await newDir(`utf8${route[0]}`);
      const file = path.join(work, 'utf8.bin');
      await writeRandomFile(file, 200_000);
      const resource = 'Bäckerei ☃ 日本';
      const receiver = startCli(['receive', '--accept-all', '--dir', dir, '--count', '1', '--resource', resource, '-v'], bob);
      await receiver.waitForStderr(/Waiting for files as /);
      const zoe = accountEnv(prosody, 'zoë', PASSWORDS['zoë']);
      const sender = await runCli(['send', '--protocol', 'si', file, `bob@${prosody.domain}/${resource}`, '--resource', 'Sënder ✓', ...route], zoe);
      const got = await receiver.done;
      assert.equal(sender.code, 0, sender.stderr);
      assert.equal(got.code, 0, got.stderr);
      assert.match(got.stderr, new RegExp(`Offer from zoë@${prosody.domain}/Sënder ✓`));
      assert.equal(await sha256File(path.join(dir, 'utf8.bin')), await sha256File(file));
    });
  }

  test('a 100 MiB file arrives intact (sha256)', async () => {
    const dir = await newDir('big');
    const file = path.join(work, 'big.bin');
    await writeRandomFile(file, 100 * 1024 * 1024);
    const { sender, receiver } = await transfer(['--accept-all', '--dir', dir, '--count', '1'], [file, bobFull(), '--host', '127.0.0.1']);
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.equal(await sha256File(path.join(dir, 'big.bin')), await sha256File(file));
    await rm(file);
  });

  test('an existing file is never overwritten: the second copy is "name (1).ext"', async () => {
    const dir = await newDir('twice');
    const file = path.join(work, 'twice.txt');
    await writeRandomFile(file, 10_000);
    const receiver = startCli(['receive', '--accept-all', '--dir', dir, '--count', '2'], bob);
    await receiver.waitForStderr(/Waiting for files as /);
    for (let i = 0; i < 2; i++) assert.equal((await runCli(['send', '--protocol', 'si', file, bobFull(), '--host', '127.0.0.1'], alice)).code, 0);
    const result = await receiver.done;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual((await readdir(dir)).sort(), ['twice (1).txt', 'twice.txt']);
    assert.equal(result.stdout, `${path.join(dir, 'twice.txt')}\n${path.join(dir, 'twice (1).txt')}\n`);
  });

  test('an offered name with a path cannot leave the receive directory', async () => {
    const dir = await newDir('names');
    const file = path.join(work, 'plain.bin');
    await writeRandomFile(file, 1000);
    const { sender, receiver } = await transfer(['--accept-all', '--dir', dir, '--count', '1'], [file, bobFull(), '--host', '127.0.0.1', '--name', '../../.evil name']);
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.deepEqual(await readdir(dir), ['evil name']);
    assert.deepEqual((await readdir(work)).filter((n) => n.includes('evil')), []);
  });

  test('a declined offer: the sender exits 4 (XEP-0095 §3 forbidden)', async () => {
    const dir = await newDir('declined');
    const file = path.join(work, 'declined.bin');
    await writeRandomFile(file, 1000);
    // Accept only from someone else: alice's offer is declined without asking anybody.
    const receiver = startCli(['receive', '--from', `carol@${prosody.domain}`, '--dir', dir], bob);
    await receiver.waitForStderr(/Waiting for files as /);
    const sender = await runCli(['send', '--protocol', 'si', file, bobFull(), '--host', '127.0.0.1'], alice);
    assert.equal(sender.code, 4, sender.stderr);
    assert.match(sender.stderr, /declined/);
    await receiver.waitForStderr(/Declined declined\.bin/);
    receiver.child.kill('SIGINT');
    const r = await receiver.done;
    assert.equal(r.code, 130, r.stderr);
    assert.deepEqual(await readdir(dir), []);
  });

  test('with no accept rule and no terminal, offers are declined', async () => {
    const dir = await newDir('no-tty');
    const file = path.join(work, 'no-tty.bin');
    await writeRandomFile(file, 1000);
    const receiver = startCli(['receive', '--dir', dir], bob);
    await receiver.waitForStderr(/Waiting for files as /);
    const sender = await runCli(['send', '--protocol', 'si', file, bobFull(), '--host', '127.0.0.1'], alice);
    assert.equal(sender.code, 4, sender.stderr);
    receiver.child.kill('SIGTERM');
    assert.equal((await receiver.done).code, 143);
    assert.deepEqual(await readdir(dir), []);
  });

  test('every streamhost unreachable and no IBB (--no-ibb): both sides report it and exit 5', async () => {
    const dir = await newDir('unreachable');
    const file = path.join(work, 'unreachable.bin');
    await writeRandomFile(file, 1000);
    const { sender, receiver } = await transfer(
      ['--accept-all', '--dir', dir, '--count', '1'],
      [file, bobFull(), '--no-proxy', '--no-ibb', '--host', '127.0.0.1:1', '--host', '127.0.0.2:1'],
    );
    assert.equal(sender.code, 5, sender.stderr);
    assert.match(sender.stderr, /could not connect to any streamhost/);
    assert.equal(receiver.code, 5, receiver.stderr);
    assert.match(receiver.stderr, /127\.0\.0\.1:1: connection refused/);
    assert.deepEqual(await readdir(dir), []);
  });

  test('every streamhost unreachable: the sender falls back to IBB with the same sid (XEP-0047)', async () => {
    const dir = await newDir('ibb-fallback');
    const file = path.join(work, 'ibb.bin');
    await writeRandomFile(file, 300_000);
    const { sender, receiver } = await transfer(['--accept-all', '--dir', dir, '--count', '1', '-v'], [file, bobFull(), '--no-proxy', '--host', '127.0.0.1:1', '-v']);
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.match(receiver.stderr, /127\.0\.0\.1:1: connection refused/);
    assert.match(receiver.stderr, /In-band bytestream \(XEP-0047\), block size \d+/);
    assert.equal(await sha256File(path.join(dir, 'ibb.bin')), await sha256File(file));
  });

  test('a wrong password: exit 3 with one clear line', async () => {
    const file = path.join(work, 'pw.bin');
    await writeRandomFile(file, 10);
    const result = await runCli(['send', '--protocol', 'si', file, bobFull()], { ...alice, XEP65_PASSWORD: 'wrong' });
    assert.equal(result.code, 3);
    assert.equal(result.stderr, `xep65: login to ${prosody.domain} refused: not-authorized\n`);
  });

  test('the server certificate must be trusted: without --ca-file, exit 3', async () => {
    const file = path.join(work, 'ca.bin');
    await writeRandomFile(file, 10);
    const { XEP65_CA_FILE: _ca, ...env } = alice;
    const result = await runCli(['send', '--protocol', 'si', file, bobFull()], env);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /certificate .* not trusted/);
  });

  test('an offline receiver: exit 4 naming the JID', async () => {
    const file = path.join(work, 'offline.bin');
    await writeRandomFile(file, 10);
    const result = await runCli(['send', '--protocol', 'si', file, `bob@${prosody.domain}/nobody-here`], alice);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /nobody-here is not available/);
  });

  test('usage errors exit 2: no password, a recipient that is no JID, missing file', async () => {
    const file = path.join(work, 'usage.bin');
    await writeRandomFile(file, 10);
    const { XEP65_PASSWORD: _pw, ...noPassword } = alice;
    assert.equal((await runCli(['send', '--protocol', 'si', file, bobFull()], noPassword)).code, 2);
    assert.equal((await runCli(['send', '--protocol', 'si', file, `bob@${prosody.domain}/`], alice)).code, 2);
    assert.equal((await runCli(['send', '--protocol', 'si', path.join(work, 'missing'), bobFull()], alice)).code, 2);
    assert.equal((await runCli(['bogus'], alice)).code, 2);
  });
});

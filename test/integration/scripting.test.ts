// Made for scripts and cron (issue 6), through the real CLI against a private Prosody: config
// file, stdin → stdout, --json events, accept rules, several files, quiet/verbose, exit codes,
// discover and completion. Nothing is mocked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, runCli, sha256File, startCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';

const PASSWORDS = { alice: 'alice-script-1', bob: 'bob-script-2' };
const DIRECT = ['--no-proxy', '--host', '127.0.0.1'];

describe('xep65 for scripts and cron', () => {
  let prosody: PrivateProsody;
  let work: string;
  let alice: NodeJS.ProcessEnv;
  let bob: NodeJS.ProcessEnv;
  let n = 0;

  before(async () => {
    prosody = await startProsody({ accounts: Object.entries(PASSWORDS).map(([user, password]) => ({ user, password })) });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-script-'));
    alice = accountEnv(prosody, 'alice', PASSWORDS.alice);
    bob = accountEnv(prosody, 'bob', PASSWORDS.bob);
  });

  after(async () => {
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const bobFull = () => `bob@${prosody.domain}/xep65`;
  const newDir = async () => {
    const dir = path.join(work, `d${++n}`);
    await mkdir(dir);
    return dir;
  };
  const randomFile = async (size: number, name = `f${++n}.bin`) => {
    const file = path.join(work, name);
    await writeRandomFile(file, size);
    return file;
  };
  const lines = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

  /** Until the receiver answers disco#info: works for quiet receivers too, which say nothing when ready. */
  async function waitOnline(jid: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const probe = await runCli(['discover', jid, '--json'], alice).catch(() => undefined);
      if (probe?.code === 0 && /"canReceive":true/.test(probe.stdout)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${jid} never came online`);
  }

  async function transfer(receiveArgs: string[], sendArgs: string[], opts: { stdinFile?: string; binary?: Buffer[] } = {}) {
    const receiver = startCli(['receive', ...receiveArgs], bob, 120_000, opts.binary ? { onStdoutBytes: (c) => opts.binary!.push(c) } : {});
    await waitOnline(bobFull());
    const sender = await runCli(['send', ...sendArgs], alice, 120_000, opts.stdinFile ? { stdinFile: opts.stdinFile } : {});
    if (sender.code !== 0) receiver.child.kill('SIGINT');
    return { sender, receiver: await receiver.done };
  }

  test('stdin → stdout: send - streams standard input, receive --stdout writes only the bytes', async () => {
    const file = await randomFile(3_000_000);
    const bytes: Buffer[] = [];
    const { sender, receiver } = await transfer(['--accept-all', '--stdout'], ['-', bobFull(), '--name', 'backup.tar', ...DIRECT], { stdinFile: file, binary: bytes });
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.equal(createHash('sha256').update(Buffer.concat(bytes)).digest('hex'), await sha256File(file));
    assert.match(receiver.stderr, /Offer from alice@.*backup\.tar/);
    assert.match(receiver.stderr, /Wrote backup\.tar to standard output: 3\.00 MB/);
  });

  test('send - with a --size that standard input does not have sends nothing and exits 6', async () => {
    const file = await randomFile(1000);
    const sender = await runCli(['send', '-', bobFull(), '--size', '999', ...DIRECT], alice, 60_000, { stdinFile: file });
    assert.equal(sender.code, 6, sender.stderr);
    assert.match(sender.stderr, /standard input had 1000 bytes, not the 999 of --size/);
  });

  test('--json: one parseable object per line, events in order, done with bytes and seconds', async () => {
    const dir = await newDir();
    const file = await randomFile(200_000);
    const receiver = startCli(['receive', '--accept-all', '--dir', dir, '--count', '1', '--json'], bob);
    await receiver.waitForStdout(/"event":"ready"/);
    const sender = await runCli(['send', file, bobFull(), ...DIRECT, '--json'], alice);
    const got = await receiver.done;
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(sender.stderr, '', 'nothing for people on stderr with --json');
    const sent = lines(sender.stdout).map((e) => e.event);
    for (const kind of ['offer-sent', 'accepted', 'streamhost-used', 'done', 'stats']) assert.ok(sent.includes(kind), `${kind} in ${sent.join(',')}`);
    assert.ok(sent.indexOf('offer-sent') < sent.indexOf('accepted') && sent.indexOf('accepted') < sent.indexOf('done'));
    const events = lines(got.stdout);
    const kinds = ['ready', 'offer', 'streamhost-tried', 'streamhost-used', 'done'];
    assert.deepEqual(events.map((e) => e.event).filter((k) => kinds.includes(String(k))), kinds);
    const done = events.find((e) => e.event === 'done')!;
    assert.equal(done.bytes, 200_000);
    assert.equal(typeof done.seconds, 'number');
    assert.equal(done.path, path.join(dir, path.basename(file)));
  });

  test('a config file supplies the account; one readable by others with a password is refused', async () => {
    const config = path.join(work, 'config');
    await writeFile(config, `# alice\njid = "alice@${prosody.domain}"\npassword = "${PASSWORDS.alice}"\nserver = "${prosody.server}"\nca-file = "${prosody.caFile}"\n`);
    await chmod(config, 0o644);
    const bare = { PATH: process.env.PATH, HOME: work, NO_COLOR: '1' };
    const open = await runCli(['discover', '--config', config], bare);
    assert.equal(open.code, 2, open.stderr);
    assert.match(open.stderr, /readable by others \(mode 644\); run: chmod 600/);
    await chmod(config, 0o600);
    const ok = await runCli(['discover', '--config', config], bare);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, new RegExp(`Account: alice@${prosody.domain}/`));
    const shown = await runCli(['config', '--config', config], { ...bare, XEP65_JID: `bob@${prosody.domain}` });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`jid = "bob@${prosody.domain}"  # env`), 'the environment beats the file');
    assert.match(shown.stdout, /password = "\*\*\*\*\*\*\*\*"  # file/);
    assert.doesNotMatch(shown.stdout, new RegExp(PASSWORDS.alice));
    const bad = path.join(work, 'bad-config');
    await writeFile(bad, 'colour = "blue"\n');
    const unknown = await runCli(['config', '--config', bad], bare);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /bad-config:1: unknown setting 'colour'/);
  });

  test('accept rules: --max-size declines a larger offer (exit 4); --skip-existing declines a file already there', async () => {
    const dir = await newDir();
    const big = await randomFile(2_000_000);
    const large = await transfer(['--accept-all', '--max-size', '1M', '--dir', dir, '--count', '1'], [big, bobFull(), ...DIRECT]);
    assert.equal(large.sender.code, 4, large.sender.stderr);
    const small = await randomFile(1000, 'exists.bin');
    await writeFile(path.join(dir, 'exists.bin'), 'old');
    const skipped = await transfer(['--accept-all', '--skip-existing', '--dir', dir, '--count', '1'], [small, bobFull(), ...DIRECT]);
    assert.equal(skipped.sender.code, 4, skipped.sender.stderr);
    assert.equal(await readFile(path.join(dir, 'exists.bin'), 'utf8'), 'old');
  });

  test('receive --timeout with nothing arriving exits 7; a cron-like run never prompts', async () => {
    const started = Date.now();
    const waited = await runCli(['receive', '--accept-all', '--timeout', '2s', '--dir', work], bob);
    assert.equal(waited.code, 7, waited.stderr);
    assert.match(waited.stderr, /no file arrived within 2 s/);
    assert.ok(Date.now() - started < 15_000);
    const { XEP65_PASSWORD: _, ...noPassword } = alice;
    const cron = await runCli(['send', work, bobFull()], noPassword);
    assert.equal(cron.code, 2, cron.stderr);
    assert.match(cron.stderr, /no password: set XEP65_PASSWORD or pass --password-file/);
  });

  test('--exec runs for each saved file with its path; a failing command makes the exit status 1', async () => {
    const dir = await newDir();
    const file = await randomFile(5000);
    const log = path.join(work, 'exec.log');
    // Issue 10 #6: the hook sees no XEP65_PASSWORD (it used to inherit it).
    const ok = await transfer(['--accept-all', '--dir', dir, '--count', '1', '--exec', `echo "\${XEP65_PASSWORD-no-password}" >> ${log}`], [file, bobFull(), ...DIRECT]);
    assert.equal(ok.receiver.code, 0, ok.receiver.stderr);
    assert.equal((await readFile(log, 'utf8')).trim(), `no-password ${path.join(dir, path.basename(file))}`);
    const failing = await transfer(['--accept-all', '--dir', dir, '--count', '1', '--exec', 'false'], [file, bobFull(), ...DIRECT]);
    assert.equal(failing.receiver.code, 1, failing.receiver.stderr);
    assert.match(failing.receiver.stderr, /--exec 'false' exited 1/);
  });

  test('a directory is sent file by file and recreated below --dir; --tar sends it as one tar; --parallel 2', async () => {
    const src = path.join(work, 'album');
    await mkdir(path.join(src, 'sub'), { recursive: true });
    await writeRandomFile(path.join(src, 'a.bin'), 10_000);
    await writeRandomFile(path.join(src, 'sub', 'b.bin'), 20_000);
    await writeRandomFile(path.join(src, 'sub', 'c.bin'), 30_000);
    const dir = await newDir();
    const files = await transfer(['--accept-all', '--dir', dir, '--count', '3'], [src, bobFull(), ...DIRECT, '--parallel', '2']);
    assert.equal(files.sender.code, 0, files.sender.stderr);
    assert.equal(files.receiver.code, 0, files.receiver.stderr);
    for (const rel of ['a.bin', 'sub/b.bin', 'sub/c.bin']) assert.equal(await sha256File(path.join(dir, 'album', rel)), await sha256File(path.join(src, rel)));
    const tarDir = await newDir();
    const packed = await transfer(['--accept-all', '--dir', tarDir, '--count', '1'], [src, bobFull(), ...DIRECT, '--tar']);
    assert.equal(packed.sender.code, 0, packed.sender.stderr);
    assert.deepEqual(await readdir(tarDir), ['album.tar']);
    assert.ok((await stat(path.join(tarDir, 'album.tar'))).size > 60_000);
  });

  test('--quiet prints nothing on stderr when all is well; -vv shows the XML with the password hidden', async () => {
    const dir = await newDir();
    const file = await randomFile(1000);
    const quiet = await transfer(['--accept-all', '--dir', dir, '--count', '1', '-q'], [file, bobFull(), ...DIRECT, '--quiet']);
    assert.equal(quiet.sender.code, 0);
    assert.equal(quiet.sender.stderr, '');
    assert.equal(quiet.receiver.stderr, '');
    assert.equal(quiet.receiver.stdout.trim(), path.join(dir, path.basename(file)), 'results still go to stdout');
    const loud = await transfer(['--accept-all', '--dir', dir, '--count', '1'], [file, bobFull(), ...DIRECT, '-vv']);
    assert.equal(loud.sender.code, 0, loud.sender.stderr);
    assert.match(loud.sender.stderr, />> <auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl"[^>]*>\[hidden\]<\/auth>/);
    assert.match(loud.sender.stderr, /<< <iq /);
    assert.doesNotMatch(loud.sender.stderr, new RegExp(Buffer.from(PASSWORDS.alice).toString('base64').slice(0, 8)));
  });

  test('discover lists the server proxy (reachable over SOCKS5) and what a contact supports', async () => {
    const receiver = startCli(['receive', '--accept-all', '--dir', work, '--count', '1'], bob);
    await receiver.waitForStderr(/Waiting for files as /);
    const found = await runCli(['discover', bobFull(), '--json'], alice);
    receiver.child.kill('SIGTERM');
    await receiver.done;
    assert.equal(found.code, 0, found.stderr);
    const report = lines(found.stdout).find((e) => e.event === 'discover')!;
    const proxies = report.proxies as Array<{ jid: string; reachable: boolean }>;
    assert.ok(proxies.some((p) => p.jid === prosody.proxyJid && p.reachable), JSON.stringify(proxies));
    const peer = report.peer as { supports: string[]; canReceive: boolean };
    assert.ok(peer.canReceive);
    assert.deepEqual(peer.supports.filter((s) => ['si', 'si-file-transfer', 'socks5-bytestreams', 'ibb'].includes(s)).sort(), ['ibb', 'si', 'si-file-transfer', 'socks5-bytestreams']);
  });

  test('Ctrl-C mid-transfer: exit 130, the sender stops too, and --keep-partial keeps the .part file', async () => {
    const dir = await newDir();
    const file = await randomFile(6_000_000);
    const receiver = startCli(['receive', '--accept-all', '--dir', dir, '--keep-partial', '--json'], bob);
    await receiver.waitForStdout(/"event":"ready"/);
    // In-band only (no streamhost to offer): slow enough to interrupt in the middle.
    const sender = startCli(['send', file, bobFull(), '--no-proxy', '--no-direct'], alice);
    await receiver.waitForStdout(/"event":"progress"/, 30_000);
    receiver.child.kill('SIGINT');
    const [got, sent] = await Promise.all([receiver.done, sender.done]);
    assert.equal(got.code, 130, got.stderr);
    assert.notEqual(sent.code, 0);
    const parts = (await readdir(dir)).filter((f) => f.endsWith('.part'));
    assert.equal(parts.length, 1);
    const size = (await stat(path.join(dir, parts[0]!))).size;
    assert.ok(size > 0 && size < 6_000_000, `part file of ${size} bytes`);
  });

  test('send --timeout gives up a transfer still running (exit 7); --retry tries an unreachable server again (exit 3)', async () => {
    const dir = await newDir();
    const file = await randomFile(6_000_000);
    // In-band only: too slow to finish 6 MB within 1 s here.
    const slow = await transfer(['--accept-all', '--dir', dir, '--count', '1'], [file, bobFull(), '--no-proxy', '--no-direct', '--timeout', '1s']);
    assert.equal(slow.sender.code, 7, slow.sender.stderr);
    assert.match(slow.sender.stderr, /not sent within --timeout 1 s/);
    assert.notEqual(slow.receiver.code, 0);
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.part')), [], 'the receiver removed its part file');
    const started = Date.now();
    const unreachable = await runCli(['send', file, bobFull(), '--server', '127.0.0.1:1', '--retry', '1'], alice);
    assert.equal(unreachable.code, 3, unreachable.stderr);
    assert.match(unreachable.stderr, /connection refused; trying again in 1 s/);
    assert.ok(Date.now() - started >= 1000);
  });

  test('several files: one declined is reported by name, the others still go, the first failure decides the exit status', async () => {
    const dir = await newDir();
    const small = await randomFile(1000, 'small.bin');
    const big = await randomFile(3_000_000, 'big.bin');
    const running = startCli(['receive', '--accept-all', '--max-size', '1M', '--dir', dir, '--count', '1'], bob);
    await running.waitForStderr(/Waiting for files as /);
    const sender = await runCli(['send', big, small, bobFull(), ...DIRECT], alice);
    const receiver = await running.done;
    assert.equal(sender.code, 4, sender.stderr);
    assert.match(sender.stderr, /xep65: big\.bin: .*declined/i);
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.deepEqual(await readdir(dir), ['small.bin']);
  });

  test('--connect-timeout bounds a login to a server that never answers (exit 3)', async () => {
    const silent = net.createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const started = Date.now();
    const result = await runCli(['discover', '--server', `127.0.0.1:${port}`, '--connect-timeout', '1s'], alice);
    silent.close();
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /timed out/);
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  });

  test('completion prints a shell script naming the commands', async () => {
    const out = await runCli(['completion'], { PATH: process.env.PATH });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /xep65/);
    assert.match(out.stdout, /complete/);
  });
});

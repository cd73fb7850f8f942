// `xep65 proxy` end to end: our XEP-0065 proxy as an XEP-0114 component of a private Prosody.
// Transfers through it with the real CLI, and the activation rules of §6.3.5 driven by a real
// XMPP client through Prosody, with real SOCKS5 connections (nothing mocked).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, runCli, sha256File, startCli, type RunningCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';
import { connectAccount } from '../../src/xmpp/connect-account.js';
import type { XmppSession } from '../../src/xmpp/connect.js';
import { buildActivate } from '../../src/stanzas/bytestreams.js';
import { dstAddr } from '../../src/socks5/dst-addr.js';
import { dialSocks5 } from '../../src/transport/socks5-client.js';
import type { IqError } from '../../src/stanzas/iq-error.js';

const SECRET = 'component-secret-✓';
const PASSWORDS = { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' };

describe('xep65 proxy as a component of a private Prosody', () => {
  let prosody: PrivateProsody;
  let work: string;
  let proxy: RunningCli;
  let proxyJid: string;
  let port: number;
  let alice: XmppSession;

  const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', XEP65_COMPONENT_SECRET: SECRET });
  let stdout = '';

  before(async () => {
    prosody = await startProsody({ accounts: Object.entries(PASSWORDS).map(([user, password]) => ({ user, password })), componentSecret: SECRET });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-proxy-it-'));
    proxyJid = prosody.componentJid!;
    proxy = startCli(
      ['proxy', '--component', proxyJid, '--server', `127.0.0.1:${prosody.componentPort}`, '--listen', '127.0.0.1:0', '--json',
        '--deny', `carol@${prosody.domain}`, '--activation-timeout', '2'],
      env(),
      600_000,
    );
    proxy.child.stdout!.on('data', (d: Buffer | string) => (stdout += String(d)));
    await proxy.waitForStdout(/"event":"proxy-ready"/);
    port = (events().find((e) => e.event === 'proxy-ready')!.streamhost as { port: number }).port;
    const [host, c2s] = prosody.server.split(':');
    alice = await connectAccount({
      jid: `alice@${prosody.domain}`, password: PASSWORDS.alice, resource: 'it', server: { host: host!, port: Number(c2s) },
      ca: await readFile(prosody.caFile, 'utf8'), timeoutMs: 20_000,
    });
  });

  after(async () => {
    await alice?.close();
    if (proxy && proxy.child.exitCode === null) {
      proxy.child.kill('SIGTERM');
      await proxy.done;
    }
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  };
  const events = () => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  const bobFull = () => `bob@${prosody.domain}/xep65`;

  async function transfer(user: 'alice' | 'carol', name: string, size: number, sendArgs: string[]) {
    const dir = path.join(work, name);
    await mkdir(dir);
    const file = path.join(work, `${name}.bin`);
    await writeRandomFile(file, size);
    // --no-direct: a Jingle receiver's own candidate would beat the proxy (XEP-0260 priorities).
    const receiver = startCli(['receive', '--accept-all', '--dir', dir, '--count', '1', '--no-direct'], accountEnv(prosody, 'bob', PASSWORDS.bob));
    await receiver.waitForStderr(/Waiting for files as /);
    const sender = await runCli(['send', file, bobFull(), '-v', ...sendArgs], accountEnv(prosody, user, PASSWORDS[user]));
    if (sender.code !== 0) receiver.child.kill('SIGINT');
    return { sender, receiver: await receiver.done, file, saved: path.join(dir, `${name}.bin`) };
  }

  for (const protocol of ['si', 'jingle']) test(`xep65 → our proxy → xep65 (${protocol}): the file arrives intact and the proxy logs the stream`, async () => {
    const { sender, receiver, file, saved } = await transfer('alice', `through-ours-${protocol}`, 5_000_000, ['--no-direct', '--proxy', proxyJid, '--protocol', protocol]);
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.match(sender.stderr, new RegExp(`Connected through ${proxyJid.replace(/\./g, '\\.')}`));
    assert.equal(await sha256File(saved), await sha256File(file));
    await proxy.waitForStdout(/"event":"stream-closed"/);
    await until(() => events().filter((e) => e.event === 'stream-closed').length === (protocol === 'si' ? 1 : 2));
    const closed = events().filter((e) => e.event === 'stream-closed').at(-1)!;
    assert.equal(closed.bytes, 5_000_000);
    assert.equal(closed.reason, 'end');
    assert.match(String(closed.requester), new RegExp(`^alice@${prosody.domain}/`));
    assert.equal(closed.target, bobFull());
  });

  test('senders discover our proxy through the server\'s disco#items (XEP-0065 §4)', async () => {
    const { sender, receiver } = await transfer('alice', 'discovered', 10_000, ['--no-direct']);
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(receiver.code, 0, receiver.stderr);
    assert.match(sender.stderr, new RegExp(`Proxies: .*${proxyJid.replace(/\./g, '\\.')} 127\\.0\\.0\\.1:${port}`));
  });

  test('a requester the proxy denies gets forbidden, and the transfer fails with exit 5', async () => {
    const { sender, receiver } = await transfer('carol', 'denied', 1000, ['--no-direct', '--proxy', proxyJid, '--no-ibb']);
    assert.equal(sender.code, 5, sender.stderr);
    assert.notEqual(receiver.code, 0);
    assert.match(sender.stderr, /forbidden/);
    await proxy.waitForStdout(/"event":"forbidden"/);
    assert.ok(events().some((e) => e.event === 'forbidden' && String(e.requester).startsWith(`carol@${prosody.domain}/`)));
  });

  const target = () => `bob@${prosody.domain}/elsewhere`;
  const activate = (sid: string, to = target()) => alice.set(proxyJid, buildActivate(sid, to));
  const dial = (sid: string, to = target()) => dialSocks5({ host: '127.0.0.1', port, dstAddr: dstAddr(sid, alice.jid, to), timeoutMs: 5000 }).then((d) => d.stream);
  const condition = (err: unknown) => (err as IqError).condition;

  test('activation with only one party connected is not-allowed; with no party, item-not-found (§6.3.5)', async () => {
    await assert.rejects(activate('nobody-here'), (e) => condition(e) === 'item-not-found');
    const requester = await dial('one-party');
    await assert.rejects(activate('one-party'), (e) => condition(e) === 'not-allowed');
    requester.destroy();
  });

  test('connections with a DST.ADDR for another target are not activated: item-not-found', async () => {
    const a = await dial('wrong-hash', `bob@${prosody.domain}/someone-else`);
    const b = await dial('wrong-hash', `bob@${prosody.domain}/someone-else`);
    await assert.rejects(activate('wrong-hash'), (e) => condition(e) === 'item-not-found');
    a.destroy();
    b.destroy();
  });

  test('a connection never activated is closed after --activation-timeout', async () => {
    const socket = await dial('never-activated');
    socket.resume();
    const started = Date.now();
    await once(socket, 'close');
    const waited = Date.now() - started;
    assert.ok(waited > 1500 && waited < 6000, `closed after ${waited} ms`);
    await proxy.waitForStdout(/"event":"connection-expired"/);
  });

  test('60 streams at once, each activated through Prosody, all intact', async () => {
    const streams = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const sid = `many-${i}`;
        const t = await dial(sid);
        const r = await dial(sid);
        return { sid, t, r, data: randomBytes(256_000 + i * 1000) };
      }),
    );
    await Promise.all(streams.map((s) => activate(s.sid)));
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const results = await Promise.all(
      streams.map(async (s) => {
        const got = readAll(s.t);
        s.r.end(s.data);
        return (await got) === digest(s.data);
      }),
    );
    assert.equal(results.filter(Boolean).length, 60);
    for (const s of streams) s.r.destroy();
  });

  test('a second activation of a stream is a conflict', async () => {
    const t = await dial('twice');
    const r = await dial('twice');
    await activate('twice');
    await assert.rejects(activate('twice'), (e) => condition(e) === 'conflict');
    t.destroy();
    r.destroy();
  });

  test('SIGUSR1 prints the counters', async () => {
    const before = events().filter((e) => e.event === 'counters').length;
    proxy.child.kill('SIGUSR1');
    await waitUntil(() => events().filter((e) => e.event === 'counters').length > before);
    const counters = events().filter((e) => e.event === 'counters').at(-1)!.counters as Record<string, number>;
    assert.ok(counters.activated! >= 62, JSON.stringify(counters));
    assert.ok(counters.forbidden! >= 1 && counters.failedActivations! >= 3 && counters.expired! >= 1, JSON.stringify(counters));
  });

  test('a wrong secret or an unknown component name exits 3 with a clear message; a missing secret is a usage error', async () => {
    const base = ['proxy', '--server', `127.0.0.1:${prosody.componentPort}`, '--listen', '127.0.0.1:0'];
    const wrong = await runCli([...base, '--component', proxyJid], { ...env(), XEP65_COMPONENT_SECRET: 'nope' });
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.match(wrong.stderr, /refused the secret/);
    const unknown = await runCli([...base, '--component', `nothing.${prosody.domain}`], env());
    assert.equal(unknown.code, 3, unknown.stderr);
    const secretFile = path.join(work, 'secret');
    await writeFile(secretFile, '');
    const empty = await runCli([...base, '--component', proxyJid, '--secret-file', secretFile], { PATH: process.env.PATH });
    assert.equal(empty.code, 2, empty.stderr);
    const none = await runCli([...base, '--component', proxyJid], { PATH: process.env.PATH });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /XEP65_COMPONENT_SECRET/);
    const everywhere = await runCli(['proxy', '--component', proxyJid, '--listen', ':0'], env());
    assert.equal(everywhere.code, 2);
    assert.match(everywhere.stderr, /--public-host/);
  });

  test('SIGTERM stops the proxy cleanly: exit 0 with the final counters', async () => {
    proxy.child.kill('SIGTERM');
    const result = await proxy.done;
    assert.equal(result.code, 0, result.stderr);
    const last = events().filter((e) => e.event === 'counters').at(-1)!;
    assert.equal((last.counters as Record<string, number>).connections, 0);
  });
});

async function readAll(socket: net.Socket): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of socket) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function waitUntil(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

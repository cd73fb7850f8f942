// Interop with an independent implementation: slixmpp 1.8.3's XEP-0065 stack (Debian
// python3-slixmpp), SI negotiated as in test/interop/slixmpp_peer.py, through a private Prosody.
// Each transfer is checked by sha256.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, runCli, sha256File, startCli, type RunningCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';
import { runSlixmpp } from '../helpers/slixmpp.js';

const PASSWORDS = { alice: 'alice-interop-1', bob: 'bob-interop-2' };
const COMPONENT_SECRET = 'interop-component-secret';

describe('interop with slixmpp', () => {
  let prosody: PrivateProsody;
  let work: string;
  let file: string;
  let fileHash: string;
  /** Our own proxy (`xep65 proxy`), a component of the same Prosody. */
  let ourProxy: RunningCli;

  before(async () => {
    prosody = await startProsody({
      accounts: Object.entries(PASSWORDS).map(([user, password]) => ({ user, password })),
      componentSecret: COMPONENT_SECRET,
    });
    ourProxy = startCli(
      ['proxy', '--component', prosody.componentJid!, '--server', `127.0.0.1:${prosody.componentPort}`, '--listen', '127.0.0.1:0'],
      { PATH: process.env.PATH, NO_COLOR: '1', XEP65_COMPONENT_SECRET: COMPONENT_SECRET },
      600_000,
    );
    await ourProxy.waitForStderr(/ready: SOCKS5 on/);
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-interop-'));
    file = path.join(work, 'interop.bin');
    await writeRandomFile(file, 3_000_000);
    fileHash = await sha256File(file);
  });

  after(async () => {
    if (ourProxy && ourProxy.child.exitCode === null) {
      ourProxy.child.kill('SIGTERM');
      await ourProxy.done;
    }
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const account = (user: keyof typeof PASSWORDS, resource: string) => ({ jid: `${user}@${prosody.domain}/${resource}`, password: PASSWORDS[user] });

  async function xep65ToSlixmpp(route: string[], name: string, peerArgs: string[] = []) {
    const dir = path.join(work, name);
    await mkdir(dir);
    const peer = runSlixmpp('receive', prosody, account('bob', 'slix'), ['--dir', dir, ...peerArgs]);
    const jid = await peer.ready;
    assert.ok(jid, 'slixmpp came online');
    const sender = await runCli(['send', file, jid, ...route, '-v'], accountEnv(prosody, 'alice', PASSWORDS.alice));
    const received = await peer.done;
    assert.equal(sender.code, 0, sender.stderr);
    assert.equal(received.code, 0, `${received.line}\n${received.stderr}`);
    assert.equal(received.line, `DONE ${path.join(dir, 'interop.bin')} 3000000 ${fileHash}`);
    assert.equal(await sha256File(path.join(dir, 'interop.bin')), fileHash);
    return sender;
  }

  test('xep65 → slixmpp, direct: slixmpp connects to our streamhost (XEP-0065 §5)', async () => {
    const sender = await xep65ToSlixmpp(['--no-proxy', '--host', '127.0.0.1'], 'direct');
    assert.match(sender.stderr, /Connected through alice@/);
  });

  test("xep65 → slixmpp, mediated through Prosody's proxy (XEP-0065 §6)", async () => {
    const sender = await xep65ToSlixmpp(['--no-direct', '--proxy', prosody.proxyJid], 'proxy');
    assert.match(sender.stderr, new RegExp(`Connected through ${prosody.proxyJid.replace(/\./g, '\\.')}`));
  });

  test('xep65 → slixmpp by IBB: slixmpp chooses IBB, refuses our larger block sizes, takes 4096 (XEP-0047)', async () => {
    const sender = await xep65ToSlixmpp(['--no-proxy', '--host', '127.0.0.1'], 'ibb-to-slix', ['--method', 'ibb']);
    assert.match(sender.stderr, /In-band bytestream \(XEP-0047\), block size 4096/);
  });

  async function slixmppToXep65(name: string, peerArgs: string[]) {
    const dir = path.join(work, name);
    await mkdir(dir);
    const receiver = startCli(['receive', '--accept-all', '--count', '1', '--dir', dir, '-v'], accountEnv(prosody, 'bob', PASSWORDS.bob));
    await receiver.waitForStderr(/Waiting for files as /);
    const peer = runSlixmpp('send', prosody, account('alice', 'slix'), ['--file', file, '--to', `bob@${prosody.domain}/xep65`, ...peerArgs]);
    const sent = await peer.done;
    const got = await receiver.done;
    assert.equal(sent.code, 0, `${sent.line}\n${sent.stderr}`);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(await sha256File(path.join(dir, 'interop.bin')), fileHash);
    return got;
  }

  test('slixmpp → xep65 through the proxy (slixmpp offers proxies only, then activates)', async () => {
    const got = await slixmppToXep65('from-slix', ['--proxy', prosody.proxyJid]);
    assert.match(got.stderr, new RegExp(`Connected through ${prosody.proxyJid.replace(/\./g, '\\.')}`));
  });

  test('xep65 → slixmpp through our own proxy (xep65 proxy as a component)', async () => {
    const sender = await xep65ToSlixmpp(['--no-direct', '--proxy', prosody.componentJid!], 'to-slix-our-proxy');
    assert.match(sender.stderr, new RegExp(`Connected through ${prosody.componentJid!.replace(/\./g, '\\.')}`));
    await ourProxy.waitForStderr(/Relayed 3\.00 MB alice@/);
  });

  test('slixmpp → xep65 through our own proxy: slixmpp discovers it by disco and activates it', async () => {
    const got = await slixmppToXep65('from-slix-our-proxy', ['--proxy', prosody.componentJid!]);
    assert.match(got.stderr, new RegExp(`Connected through ${prosody.componentJid!.replace(/\./g, '\\.')}`));
    await ourProxy.waitForStderr(/Relayed 3\.00 MB alice@[^ ]+\/slix → bob@/);
  });

  test('slixmpp → xep65 by IBB (slixmpp offers only IBB)', async () => {
    const got = await slixmppToXep65('from-slix-ibb', ['--method', 'ibb']);
    assert.match(got.stderr, /In-band bytestream \(XEP-0047\), block size 4096/);
  });

  for (const [what, dead] of [
    ['refuses connections', async () => ({ port: 1, close: async () => undefined })],
    [
      'accepts TCP and never answers SOCKS5',
      async () => {
        const sockets = new Set<net.Socket>();
        const server = net.createServer((s) => sockets.add(s.on('error', () => undefined)));
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        return {
          port: (server.address() as net.AddressInfo).port,
          close: async () => {
            sockets.forEach((s) => s.destroy());
            await new Promise<void>((r) => server.close(() => r()));
          },
        };
      },
    ],
  ] as const) {
    test(`a first streamhost that ${what}: the receiver moves on to the next`, async () => {
      const silent = await dead();
      const dir = path.join(work, `dead-${silent.port}`);
      await mkdir(dir);
      try {
        const receiver = startCli(['receive', '--accept-all', '--count', '1', '--dir', dir, '-v'], accountEnv(prosody, 'bob', PASSWORDS.bob));
        await receiver.waitForStderr(/Waiting for files as /);
        const sender = await runCli(
          ['send', file, `bob@${prosody.domain}/xep65`, '--no-proxy', '--host', `127.0.0.1:${silent.port}`, '--host', '127.0.0.1'],
          accountEnv(prosody, 'alice', PASSWORDS.alice),
        );
        const got = await receiver.done;
        assert.equal(sender.code, 0, sender.stderr);
        assert.equal(got.code, 0, got.stderr);
        assert.equal(await sha256File(path.join(dir, 'interop.bin')), fileHash);
      } finally {
        await silent.close();
      }
    });
  }
});

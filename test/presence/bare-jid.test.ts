// Reaching people, not resources (RFC 6121 presence and subscriptions, XEP-0115 caps), end to
// end through the real CLI and a private Prosody: `contact add` and a receiver that approves the
// request, then `send FILE bob@host` finds bob's receiver from its presence; the higher priority
// of two receivers wins; an offline and an unsubscribed contact are exit 4 with their reason;
// our caps as Prosody relays them hash to what we answer on node#ver; a peer that lists SI but no
// stream method still receives; 100 files go over one login with --parallel 8.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, runCli, sha256File, startCli, type RunningCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';
import { connectAccount } from '../../src/xmpp/connect-account.js';
import type { XmppSession } from '../../src/xmpp/connect.js';
import { capsVer, parseCaps } from '../../src/stanzas/caps.js';
import { buildDiscoInfoQuery, parseDiscoInfo } from '../../src/stanzas/disco.js';
import { serveDiscoInfo } from '../../src/session/disco-responder.js';
import { serveSiReceiver } from '../../src/session/si/receiver.js';
import { dialSocks5 } from '../../src/transport/socks5-client.js';
import { NS_DISCO_INFO, NS_SI, NS_SI_FILE } from '../../src/stanzas/ns.js';

const PASSWORDS = { alice: 'alice-pw-1', bob: 'bob-pw-2', carol: 'carol-pw-3', dave: 'dave-pw-4', erin: 'erin-pw-5' };
type User = keyof typeof PASSWORDS;
type JsonRecord = { event: string } & Record<string, unknown>;
const records = (stdout: string): JsonRecord[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonRecord);

describe('bare-JID recipients, presence, caps and subscriptions', () => {
  let prosody: PrivateProsody;
  let work: string;
  const env = (u: User) => accountEnv(prosody, u, PASSWORDS[u]);
  const bare = (u: User) => `${u}@${prosody.domain}`;

  before(async () => {
    prosody = await startProsody({ accounts: Object.entries(PASSWORDS).map(([user, password]) => ({ user, password })) });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-presence-'));
  });

  after(async () => {
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function newDir(name: string) {
    const dir = path.join(work, name);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async function receiver(user: User, args: string[]): Promise<RunningCli> {
    const r = startCli(['receive', '--json', ...args], env(user));
    await r.waitForStdout(/"event":"ready"/);
    return r;
  }

  /** `sender` sees `receiver`'s presence: contact add, approved by a running `receive --from`. */
  async function subscribe(sender: User, to: User) {
    const r = await receiver(to, ['--from', bare(sender), '--resource', 'approver', '--timeout', '20s']);
    const added = await runCli(['contact', 'add', bare(to), '--json'], env(sender));
    assert.equal(added.code, 0, added.stderr);
    assert.ok(records(added.stdout).some((e) => e.event === 'contact-added'), added.stdout);
    await r.waitForStdout(/"event":"subscription"/);
    r.child.kill('SIGINT');
    const done = await r.done;
    const sub = records(done.stdout).find((e) => e.event === 'subscription');
    assert.deepEqual({ from: sub?.from, approved: sub?.approved }, { from: bare(sender), approved: true });
  }

  test('contact add, approved by the receiver; send FILE bob@host reaches its receiver; contact list --json shows it', async () => {
    await subscribe('alice', 'bob');
    const dir = await newDir('bare');
    const file = path.join(work, 'bare.bin');
    await writeRandomFile(file, 200_000);
    const r = await receiver('bob', ['--accept-all', '--dir', dir, '--count', '1']);
    const listed = await runCli(['contact', 'list', '--json'], env('alice'));
    assert.equal(listed.code, 0, listed.stderr);
    const bob = records(listed.stdout).find((c) => c.jid === bare('bob'));
    assert.equal(bob?.event, 'contact');
    assert.equal(bob?.subscription, 'to');
    const resources = bob?.resources as Array<{ jid: string; priority: number; protocol?: string }>;
    assert.deepEqual(resources.map((x) => [x.jid, x.priority, x.protocol]), [[`${bare('bob')}/xep65`, -1, 'jingle']]);

    const disc = await runCli(['discover', '--json', bare('bob')], env('alice'));
    assert.equal(disc.code, 0, disc.stderr);
    const peer = records(disc.stdout).find((e) => e.event === 'discover')?.peer as { jid: string; canReceive: boolean; protocol?: string; resource?: { jid?: string } };
    assert.deepEqual([peer.jid, peer.canReceive, peer.protocol, peer.resource?.jid], [`${bare('bob')}/xep65`, true, 'jingle', `${bare('bob')}/xep65`]);

    const sent = await runCli(['send', '--json', file, bare('bob')], env('alice'));
    assert.equal(sent.code, 0, sent.stderr + sent.stdout);
    const chosen = records(sent.stdout).find((e) => e.event === 'resource-chosen');
    assert.equal(chosen?.jid, `${bare('bob')}/xep65`);
    assert.equal(chosen?.protocol, 'jingle');
    const got = await r.done;
    assert.equal(got.code, 0, got.stderr);
    assert.equal(await sha256File(path.join(dir, 'bare.bin')), await sha256File(file));

    const text = await runCli(['contact', 'list'], env('alice'));
    assert.match(text.stdout, new RegExp(`${bare('bob').replace(/\./g, '\\.')}\\s+subscription to .*offline`));
  });

  test('two receiving resources: the one with the higher priority gets the file; -v says which and why', async () => {
    await subscribe('carol', 'bob');
    const [low, high] = [await newDir('prio-low'), await newDir('prio-high')];
    const file = path.join(work, 'prio.bin');
    await writeRandomFile(file, 50_000);
    const r1 = await receiver('bob', ['--accept-all', '--dir', low, '--count', '1', '--resource', 'low', '--priority', '-5']);
    const r2 = await receiver('bob', ['--accept-all', '--dir', high, '--count', '1', '--resource', 'high', '--priority', '3']);
    const sent = await runCli(['send', '-v', file, bare('bob')], env('carol'));
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stderr, new RegExp(`Resource: ${bare('bob').replace(/\./g, '\\.')}/high, best of 2 resources .*priority 3`));
    assert.equal((await r2.done).code, 0);
    r1.child.kill('SIGINT');
    await r1.done;
    assert.deepEqual(await readdir(high), ['prio.bin']);
    assert.deepEqual(await readdir(low), []);
  });

  test('an offline contact and an unsubscribed one: exit 4, one line that says which', async () => {
    const file = path.join(work, 'nobody.bin');
    await writeRandomFile(file, 10);
    const offline = await runCli(['send', file, bare('bob')], env('alice'));
    assert.equal(offline.code, 4);
    assert.equal(offline.stderr, `xep65: ${bare('bob')} is offline (no available resource)\n`);
    const json = await runCli(['send', '--json', file, bare('bob')], env('alice'));
    const error = records(json.stdout).find((e) => e.event === 'error');
    assert.deepEqual([error?.code, error?.reason, error?.exit], ['unsupported', 'offline', 4]);
    const r = await receiver('dave', ['--accept-all', '--dir', await newDir('dave')]);
    const unsubscribed = await runCli(['send', file, bare('dave')], env('alice'));
    const disc = await runCli(['discover', '--json', bare('dave')], env('alice'));
    r.child.kill('SIGINT');
    assert.equal(disc.code, 0, disc.stderr);
    const peer = records(disc.stdout).find((e) => e.event === 'discover')?.peer as { canReceive: boolean; reason?: string };
    assert.deepEqual([peer.canReceive, peer.reason], [false, 'not-subscribed']);
    await r.done;
    assert.equal(unsubscribed.code, 4);
    assert.match(unsubscribed.stderr, /^xep65: we see no presence of dave@\S+: not subscribed to it; run 'xep65 contact add dave@\S+'/);
    assert.equal(unsubscribed.stderr.split('\n').length, 2);
  });

  test('a receiver publishes caps at priority -1; as Prosody relays them, ver hashes to its node#ver answer', async () => {
    await subscribe('erin', 'bob');
    const r = await receiver('bob', ['--accept-all', '--dir', await newDir('caps')]);
    const presences: Element[] = [];
    const erin = await connectAccount({ jid: bare('erin'), password: PASSWORDS.erin, resource: 'probe', server: { host: '127.0.0.1', port: prosody.c2sPort }, ca: await readFile(prosody.caFile, 'utf8'), timeoutMs: 10_000 });
    try {
      erin.onPresence((el) => void presences.push(el));
      await erin.sendPresence(xml('presence'));
      const seen = await waitFor(() => presences.find((p) => p.attrs.from === `${bare('bob')}/xep65`));
      assert.equal(seen.getChildText('priority'), '-1');
      const caps = parseCaps(seen);
      assert.ok(caps, seen.toString());
      assert.equal(caps.hash, 'sha-1');
      const answer = await erin.get(`${bare('bob')}/xep65`, buildDiscoInfoQuery(`${caps.node}#${caps.ver}`), { timeoutMs: 10_000 });
      assert.equal(answer?.attrs.node, `${caps.node}#${caps.ver}`);
      const info = parseDiscoInfo(answer!);
      assert.equal(capsVer(info), caps.ver);
      assert.ok(info.features.includes('http://jabber.org/protocol/caps'));
      assert.ok(info.features.includes('urn:xmpp:jingle:apps:file-transfer:5'));
      assert.deepEqual(info.identities, [{ category: 'client', type: 'console', name: 'xep65' }]);
    } finally {
      await erin.close();
      r.child.kill('SIGINT');
      await r.done;
    }
  });

  test('a peer that lists SI file transfer but no stream method still receives by SI', async () => {
    const file = path.join(work, 'si-only.bin');
    await writeRandomFile(file, 120_000);
    const peer = await siOnlyReceiver('dave');
    try {
      const sent = await runCli(['send', '--json', file, `${bare('dave')}/si-only`, '--no-proxy'], env('alice'));
      assert.equal(sent.code, 0, sent.stderr + sent.stdout);
      const protocol = records(sent.stdout).find((e) => e.event === 'protocol');
      assert.equal(protocol?.protocol, 'si');
      assert.equal((await peer.received).toString('hex'), (await readFile(file)).toString('hex'));
    } finally {
      await peer.session.close();
    }
  });

  test('100 files of 4 KiB with --parallel 8: one login, every file intact, no warning', async () => {
    const src = path.join(work, 'many');
    await mkdir(src);
    for (let i = 0; i < 100; i++) await writeFile(path.join(src, `f${String(i).padStart(3, '0')}.bin`), randomBytes(4096));
    const dir = await newDir('many-out');
    const r = await receiver('bob', ['--accept-all', '--dir', dir, '--count', '100']);
    const sent = await runCli(['send', '-v', src, `${bare('bob')}/xep65`, '--parallel', '8'], env('carol'));
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(sent.stderr.match(/^Logged in as /gm)?.length, 1);
    assert.doesNotMatch(sent.stderr, /Warning|MaxListeners/);
    const got = await r.done;
    assert.equal(got.code, 0, got.stderr);
    assert.doesNotMatch(got.stderr, /Warning|MaxListeners/);
    const saved = (await readdir(path.join(dir, 'many'))).sort();
    assert.equal(saved.length, 100);
    for (const name of saved) assert.equal(await sha256File(path.join(dir, 'many', name)), await sha256File(path.join(src, name)));
  });

  /** A raw client (our session layer) announcing only SI and its file-transfer profile. */
  async function siOnlyReceiver(user: User): Promise<{ session: XmppSession; received: Promise<Buffer> }> {
    const session = await connectAccount({ jid: bare(user), password: PASSWORDS[user], resource: 'si-only', server: { host: '127.0.0.1', port: prosody.c2sPort }, ca: await readFile(prosody.caFile, 'utf8'), timeoutMs: 10_000 });
    serveDiscoInfo(session, [NS_DISCO_INFO, NS_SI, NS_SI_FILE]);
    const received = new Promise<Buffer>((resolve, reject) => {
      serveSiReceiver({
        xmpp: session,
        dial: dialSocks5,
        decide: async () => true,
        onStream: (_offer, bytestream) => {
          const chunks: Buffer[] = [];
          const { stream, readInto } = bytestream;
          const finish = () => {
            stream.end(); // as a real receiver does: close our side, which tells the sender the file arrived
            resolve(Buffer.concat(chunks));
          };
          if (readInto) {
            // A socket we dialed reads into one reused buffer: keep a copy of each chunk.
            readInto((chunk) => void chunks.push(Buffer.from(chunk))).done.then(finish, reject);
          } else {
            stream.on('data', (c: Buffer) => chunks.push(c)).on('end', finish).on('error', reject);
          }
        },
        onFailed: (_offer, error) => reject(error),
        onEvent: () => undefined,
        streamhostOfferTimeoutMs: 20_000,
        ibb: true,
        ibbFallbackWaitMs: 5_000,
        staggerMs: 300,
        perHostTimeoutMs: 3_000,
        connectBudgetMs: 10_000,
      });
    });
    received.catch(() => undefined);
    await session.sendPresence(xml('presence'));
    return { session, received };
  }
});

async function waitFor<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}


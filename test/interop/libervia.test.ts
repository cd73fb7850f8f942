// Interop with Debian's Libervia 0.9 (test/helpers/libervia.ts): two Libervia backends, a private
// Prosody and our CLI, all inside one network namespace with only `lo`. Libervia picks Jingle
// File Transfer when the recipient's full-JID disco#info lists urn:xmpp:jingle:apps:file-transfer:5,
// else SI (XEP-0096); our CLI speaks SI only so far. Each transfer is checked by sha256.
//
// XEP65_LIBERVIA_CAPTURE=DIR also writes each backend's stanzas (raw XML) there, per test: the
// source of test/fixtures/jingle/libervia-*.xml.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, sha256File, startCli } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';
import { createNetns, type Netns } from '../helpers/netns.js';
import { liberviaAvailable, startLibervia, type LiberviaPeer, type XmlLogEntry } from '../helpers/libervia.js';

const PASSWORDS = { alice: 'alice-libervia-1', bob: 'bob-libervia-2', carol: 'carol-xep65-3' };
const SIZE = 2_000_000;
const NS_JINGLE_FT = 'urn:xmpp:jingle:apps:file-transfer:5';
const NS_SI_FT = 'http://jabber.org/protocol/si/profile/file-transfer';
const available = liberviaAvailable();

describe('interop with Libervia', { skip: available.ok ? false : available.why, timeout: 120_000 }, () => {
  let netns: Netns;
  let prosody: PrivateProsody;
  let alice: LiberviaPeer;
  let bob: LiberviaPeer;
  let work: string;
  let file: string;
  let fileHash: string;
  const capture = process.env.XEP65_LIBERVIA_CAPTURE;
  /** Entries of each peer's XML log already seen, so each test looks at its own stanzas. */
  const seen = new Map<LiberviaPeer, number>();

  async function newStanzas(peer: LiberviaPeer, name: string): Promise<XmlLogEntry[]> {
    const all = await peer.xmlLog();
    const fresh = all.slice(seen.get(peer) ?? 0);
    seen.set(peer, all.length);
    if (capture) {
      await mkdir(capture, { recursive: true });
      const text = fresh.map((e) => `<!-- ${e.direction} -->\n${e.xml}\n`).join('\n');
      await writeFile(path.join(capture, `${name}-${peer.profile}.xml`), text);
    }
    return fresh;
  }

  before(async () => {
    netns = await createNetns();
    prosody = await startProsody({
      commandPrefix: netns.prefix,
      accounts: Object.entries(PASSWORDS).map(([user, password]) => ({ user, password })),
    });
    [alice, bob] = await Promise.all([
      startLibervia({ prosody, netns, user: 'alice', password: PASSWORDS.alice, captureXml: true }),
      startLibervia({ prosody, netns, user: 'bob', password: PASSWORDS.bob, captureXml: true }),
    ]);
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-libervia-test-'));
    file = path.join(work, 'libervia.bin');
    await writeRandomFile(file, SIZE);
    fileHash = await sha256File(file);
    for (const p of [alice, bob]) console.log(`# libervia ${p.jid}: backend ready in ${p.backendStartMs} ms, profile set up and logged in in ${p.connectMs} ms`);
    await newStanzas(alice, 'login');
    await newStanzas(bob, 'login');
  });

  after(async () => {
    await Promise.all([alice?.stop(), bob?.stop()]);
    await prosody?.stop();
    await netns?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const jingleActions = (log: XmlLogEntry[]) =>
    log.flatMap((e) => [...e.xml.matchAll(/<jingle [^>]*action=["']([a-z-]+)["']/g)].map((m) => `${e.direction}:${m[1]}`));

  test('Libervia → Libervia by Jingle File Transfer (XEP-0234) over S5B', async (t) => {
    const dir = path.join(work, 'lib-lib');
    await mkdir(dir);
    const recv = bob.receiveFile(dir, { from: [alice.jid] });
    await recv.ready;
    const sent = await alice.sendFile(bob.jid, file);
    const got = await recv.done;
    t.diagnostic(`libervia-cli file send: ${sent.ms} ms (CLI start ~1 s included), receive exited after ${got.ms} ms`);
    assert.equal(sent.code, 0, `${sent.stdout}\n${sent.stderr}`);
    assert.match(sent.stdout, /File sent successfully/);
    assert.equal(got.code, 0, `${got.stdout}\n${got.stderr}`);
    assert.match(got.stdout, /File received successfully/);
    assert.equal(await sha256File(path.join(dir, 'libervia.bin')), fileHash);

    const a = await newStanzas(alice, 'jingle');
    await newStanzas(bob, 'jingle');
    const actions = jingleActions(a);
    assert.ok(a.some((e) => e.direction === 'out' && e.xml.includes('action="session-initiate"') && e.xml.includes(NS_JINGLE_FT)), 'a Jingle FT offer');
    for (const want of ['out:session-initiate', 'in:session-accept', 'in:transport-info', 'out:transport-info', 'out:session-info', 'in:session-terminate']) {
      assert.ok(actions.includes(want), `${want} in ${actions.join(' ')}`);
    }
    // Libervia's checksum: base64 of the *hex* digest (FIELD-NOTES), not of the 32 raw bytes.
    const checksum = a.find((e) => e.xml.includes('<checksum'))?.xml ?? '';
    assert.ok(checksum.includes(`>${Buffer.from(fileHash, 'ascii').toString('base64')}</hash>`), checksum);
  });

  test('Libervia → xep65 receive: SI (XEP-0096), as we do not announce Jingle FT', async (t) => {
    const dir = path.join(work, 'lib-xep65');
    await mkdir(dir);
    const receiver = startCli(['receive', '--accept-all', '--count', '1', '--dir', dir, '--timeout', '50s', '-v'],
      accountEnv(prosody, 'carol', PASSWORDS.carol), 60_000, { prefix: netns.prefix });
    await receiver.waitForStderr(/Waiting for files as/);
    const sent = await alice.sendFile(`carol@${prosody.domain}/xep65`, file);
    const got = await receiver.done;
    t.diagnostic(`libervia-cli file send → xep65: ${sent.ms} ms`);
    assert.equal(sent.code, 0, `${sent.stdout}\n${sent.stderr}`);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stderr, /Offer from alice@example\.test\/libervia/);
    assert.equal(await sha256File(path.join(dir, 'libervia.bin')), fileHash);
    const a = await newStanzas(alice, 'si-to-xep65');
    assert.ok(a.some((e) => e.direction === 'out' && e.xml.includes(NS_SI_FT)), 'an SI offer');
    assert.deepEqual(jingleActions(a), [], 'no Jingle');
  });

  test('xep65 send → Libervia: SI accepted by libervia-cli file receive', async (t) => {
    const dir = path.join(work, 'xep65-lib');
    await mkdir(dir);
    const recv = bob.receiveFile(dir, { from: [`carol@${prosody.domain}`] });
    await recv.ready;
    const t0 = Date.now();
    const sender = startCli(['send', file, bob.jid, '-v'], accountEnv(prosody, 'carol', PASSWORDS.carol), 60_000, { prefix: netns.prefix });
    const sent = await sender.done;
    const got = await recv.done;
    t.diagnostic(`xep65 send → libervia: ${Date.now() - t0} ms`);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(got.code, 0, `${got.stdout}\n${got.stderr}`);
    assert.match(got.stdout, /File received successfully/);
    assert.equal(await sha256File(path.join(dir, 'libervia.bin')), fileHash);
    await newStanzas(bob, 'si-from-xep65');
  });
});

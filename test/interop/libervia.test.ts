// Interop with Debian's Libervia 0.9 (test/helpers/libervia.ts): two Libervia backends, a private
// Prosody and our CLI, all inside one network namespace with only `lo`. Libervia picks Jingle
// File Transfer (XEP-0234 :5) when the recipient's full-JID disco#info lists file-transfer:5, else
// SI (XEP-0096). We check each transfer by sha256, our --json records, and what Libervia put on
// the wire (its XML log, `debug monitor`).
//
// What Libervia 0.9 does (captured here; FIELD-NOTES "Jingle File Transfer as real clients speak it"):
// - As sender: session-initiate with one content (creator/senders initiator), <file> with name,
//   size, media-type, an empty <desc/> and <range/>, <hash-used algo='sha-256'/>; an S5B transport
//   with 'dstaddr' and two candidates, its own streamhost (direct, 126·2^16+10000) and the server's
//   proxy (10·2^16); <checksum/> after the data holds base64 of the *hex* SHA-256.
// - As receiver: session-accept with its own direct and proxy candidates; it may send its
//   candidate-used before that session-accept. It needs a <desc/> in the offer (else it ends the
//   session: failed-application 'desc') and cannot read a standard XEP-0300 value (base64 of the
//   raw digest): a <checksum/> crashes its handler (it then waits 5 s, says "hash can't be
//   verified" and ends with <success/> all the same), a <hash/> in the offer fails the session.
//
// XEP65_LIBERVIA_CAPTURE=DIR also writes each backend's stanzas (raw XML) there, per test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, sha256File, startCli, type CliResult } from '../helpers/cli.js';
import { writeRandomFile } from '../helpers/files.js';
import { createNetns, type Netns } from '../helpers/netns.js';
import { liberviaAvailable, startLibervia, type LiberviaPeer, type LiCliResult, type XmlLogEntry } from '../helpers/libervia.js';

const PASSWORDS = { alice: 'alice-libervia-1', bob: 'bob-libervia-2', carol: 'carol-xep65-3' };
const SIZE = 2_000_000;
const NS_JINGLE_FT = 'urn:xmpp:jingle:apps:file-transfer:5';
const NS_JINGLE_S5B = 'urn:xmpp:jingle:transports:s5b:1';
const NS_SI_FT = 'http://jabber.org/protocol/si/profile/file-transfer';
const TEST_TIMEOUT = 45_000;
const available = liberviaAvailable();

type JsonRecord = { event: string } & Record<string, unknown>;
const records = (stdout: string): JsonRecord[] =>
  stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as JsonRecord);
const only = (rs: JsonRecord[], event: string) => rs.filter((r) => r.event === event);

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
  const carol = () => accountEnv(prosody, 'carol', PASSWORDS.carol);
  const carolBare = () => `carol@${prosody.domain}`;

  /**
   * The stanzas of `peer` since the last call. The monitor writes them a little after the fact:
   * wait (at most 3 s) until `until` holds for them, e.g. the session-terminate is in.
   */
  async function newStanzas(peer: LiberviaPeer, name: string, until: (log: XmlLogEntry[]) => boolean = () => true): Promise<XmlLogEntry[]> {
    let fresh: XmlLogEntry[] = [];
    let all: XmlLogEntry[] = [];
    for (const t0 = Date.now(); Date.now() - t0 < 3000; await new Promise((r) => setTimeout(r, 100))) {
      all = await peer.xmlLog();
      fresh = all.slice(seen.get(peer) ?? 0);
      if (until(fresh)) break;
    }
    seen.set(peer, all.length);
    if (capture) {
      await mkdir(capture, { recursive: true });
      const text = fresh.map((e) => `<!-- ${e.direction} -->\n${e.xml}\n`).join('\n');
      await writeFile(path.join(capture, `${name}-${peer.profile}.xml`), text);
    }
    return fresh;
  }

  const jingleActions = (log: XmlLogEntry[]) =>
    log.flatMap((e) => [...e.xml.matchAll(/<jingle [^>]*action=["']([a-z-]+)["']/g)].map((m) => `${e.direction}:${m[1]}`));
  const hasTerminate = (log: XmlLogEntry[]) => jingleActions(log).some((a) => a.endsWith(':session-terminate'));
  /** The one stanza of `log` that carries `action` in `direction`. */
  const stanza = (log: XmlLogEntry[], direction: 'in' | 'out', action: string) =>
    log.find((e) => e.direction === direction && e.xml.includes(`action="${action}"`))?.xml ?? '';
  const candidates = (xml: string) => [...xml.matchAll(/<candidate [^>]*type="([a-z]+)"/g)].map((m) => m[1]);

  /** Everything a failed assertion should show. */
  async function context(peer: LiberviaPeer, ...results: (CliResult | LiCliResult | undefined)[]): Promise<string> {
    const out = results.filter((r) => r !== undefined).map((r) => `--- exit ${r!.code}\n${r!.stdout}\n${r!.stderr}`);
    const log = (await peer.backendLog()).split('\n').slice(-25).join('\n');
    return `${out.join('\n')}\n--- ${peer.profile}'s backend (tail) ---\n${log}`;
  }

  /** `xep65 send --json ARGS FILE bob` while bob's `libervia-cli file receive` waits. */
  async function sendToBob(dir: string, args: string[]) {
    await mkdir(dir);
    const recv = bob.receiveFile(dir, { from: [carolBare()], timeoutMs: 40_000 });
    await recv.ready;
    const sender = startCli(['send', '--json', ...args, file, bob.jid], carol(), 40_000, { prefix: netns.prefix });
    const sent = await sender.done;
    // libervia-cli waits for a transfer that will not come when ours failed: stop it (by PID).
    if (sent.code !== 0) recv.kill();
    const got = await recv.done;
    return { sent, got, rs: records(sent.stdout) };
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

  test('Libervia → Libervia by Jingle File Transfer over S5B (the reference wire)', { timeout: TEST_TIMEOUT }, async (t) => {
    const dir = path.join(work, 'lib-lib');
    await mkdir(dir);
    const recv = bob.receiveFile(dir, { from: [alice.jid] });
    await recv.ready;
    const sent = await alice.sendFile(bob.jid, file);
    const got = await recv.done;
    const a = await newStanzas(alice, 'lib-lib', hasTerminate);
    await newStanzas(bob, 'lib-lib', hasTerminate);
    t.diagnostic(`libervia-cli file send: ${sent.ms} ms (CLI start ~1 s included), receive exited after ${got.ms} ms`);
    assert.equal(sent.code, 0, await context(alice, sent));
    assert.match(sent.stdout, /File sent successfully/);
    assert.equal(got.code, 0, await context(bob, got));
    assert.match(got.stdout, /File received successfully/);
    assert.equal(await sha256File(path.join(dir, 'libervia.bin')), fileHash);
    const actions = jingleActions(a);
    for (const want of ['out:session-initiate', 'in:session-accept', 'in:transport-info', 'out:transport-info', 'out:session-info', 'in:session-terminate']) {
      assert.ok(actions.includes(want), `${want} in ${actions.join(' ')}`);
    }
  });

  test('Libervia → xep65 receive --accept-all: Jingle over S5B, its base64-of-hex checksum verified', { timeout: TEST_TIMEOUT }, async (t) => {
    const dir = path.join(work, 'lib-xep65');
    await mkdir(dir);
    const receiver = startCli(['receive', '--json', '--accept-all', '--count', '1', '--dir', dir, '--timeout', '35s'], carol(), 40_000, { prefix: netns.prefix });
    await receiver.waitForStdout(/"event":"ready"/);
    const sent = await alice.sendFile(`${carolBare()}/xep65`, file);
    if (sent.code !== 0) receiver.child.kill('SIGINT');
    const got = await receiver.done;
    const a = await newStanzas(alice, 'lib-xep65', hasTerminate);
    t.diagnostic(`libervia-cli file send → xep65: ${sent.ms} ms`);
    assert.equal(sent.code, 0, await context(alice, sent, got));
    assert.match(sent.stdout, /File sent successfully/);
    assert.equal(got.code, 0, await context(alice, sent, got));
    assert.deepEqual(await readdir(dir), ['libervia.bin']);
    assert.equal(await sha256File(path.join(dir, 'libervia.bin')), fileHash);

    const rs = records(got.stdout);
    assert.equal(only(rs, 'offer')[0]?.protocol, 'jingle');
    const nominated = only(rs, 'candidate-nominated')[0];
    t.diagnostic(`nominated: ${JSON.stringify(nominated?.candidate)} (ours: ${String(nominated?.ours)})`);
    const [done] = only(rs, 'done');
    assert.equal(done?.protocol, 'jingle');
    assert.equal(done?.transport, 's5b-direct');
    assert.deepEqual(done?.hash, { algo: 'sha-256', value: Buffer.from(fileHash, 'hex').toString('base64'), verified: true, encoding: 'base64-hex' });

    // The wire, as Libervia sent it.
    const initiate = stanza(a, 'out', 'session-initiate');
    assert.ok(initiate.includes(NS_JINGLE_FT) && initiate.includes(NS_JINGLE_S5B), initiate);
    assert.match(initiate, /<hash-used xmlns="urn:xmpp:hashes:2" algo="sha-256"\/>/);
    assert.match(initiate, /<transport [^>]*dstaddr="[0-9a-f]{40}"/);
    assert.deepEqual(candidates(initiate), ['direct', 'proxy']);
    const checksum = stanza(a, 'out', 'session-info');
    assert.ok(checksum.includes(`>${Buffer.from(fileHash, 'ascii').toString('base64')}</hash>`), `base64 of the hex digest: ${checksum}`);
    // We, the receiver, end the session (XEP-0234 §6.1 step 9: the receiver's <success/>).
    assert.match(stanza(a, 'in', 'session-terminate'), /<reason><success\/><\/reason>/);
    assert.deepEqual(jingleActions(a).filter((x) => x.endsWith('session-terminate')), ['in:session-terminate']);
  });

  test('xep65 send → Libervia: Jingle, Libervia connects to our streamhost; done says jingle and verified', { timeout: TEST_TIMEOUT }, async (t) => {
    const dir = path.join(work, 'xep65-lib');
    const { sent, got, rs } = await sendToBob(dir, []);
    const b = await newStanzas(bob, 'xep65-lib', hasTerminate);
    assert.equal(sent.code, 0, await context(bob, sent, got));
    assert.equal(got.code, 0, await context(bob, sent, got));
    assert.match(got.stdout, /File received successfully/);
    assert.equal(await sha256File(path.join(dir, 'libervia.bin')), fileHash);
    if (/hash can't be verified/.test(got.stdout)) t.diagnostic("libervia: \"hash can't be verified\" (0.9 cannot read a standard XEP-0300 value; it ended with <success/> after its 5 s wait)");

    assert.equal(only(rs, 'protocol')[0]?.protocol, 'jingle');
    const [done] = only(rs, 'done');
    assert.equal(done?.protocol, 'jingle');
    assert.equal(done?.transport, 's5b-direct');
    assert.deepEqual(done?.hash, { algo: 'sha-256', value: Buffer.from(fileHash, 'hex').toString('base64'), verified: true });
    // Both direct candidates worked; ours has the higher priority (local preference 65535), so
    // it is nominated (XEP-0260 §2.4) and Libervia is the one that connected.
    assert.equal(only(rs, 'candidate-nominated')[0]?.ours, true);

    const initiate = stanza(b, 'in', 'session-initiate');
    assert.match(initiate, /<desc\/>/);
    assert.match(initiate, /<transport [^>]*dstaddr="[0-9a-f]{40}"/, 'XEP-0260 §2.2: dstaddr with a proxy candidate');
    const accept = stanza(b, 'out', 'session-accept');
    assert.ok(accept.includes(NS_JINGLE_S5B), accept);
    assert.ok(candidates(accept).includes('direct'), accept);
    assert.match(stanza(b, 'in', 'session-info'), /<checksum xmlns="urn:xmpp:jingle:apps:file-transfer:5"/);
    // Libervia, the receiver, ends the session.
    assert.match(stanza(b, 'out', 'session-terminate'), /<reason><success\/><\/reason>/);
  });

  test('xep65 send --no-direct → Libervia: we connect to its streamhost (its direct candidate nominated)', { timeout: TEST_TIMEOUT }, async () => {
    const dir = path.join(work, 'xep65-lib-nodirect');
    const { sent, got, rs } = await sendToBob(dir, ['--no-direct']);
    const b = await newStanzas(bob, 'xep65-lib-nodirect', hasTerminate);
    assert.equal(sent.code, 0, await context(bob, sent, got));
    assert.equal(got.code, 0, await context(bob, sent, got));
    assert.equal(await sha256File(path.join(dir, 'libervia.bin')), fileHash);
    assert.deepEqual(candidates(stanza(b, 'in', 'session-initiate')), ['proxy']);
    const nominated = only(rs, 'candidate-nominated')[0];
    assert.equal(nominated?.ours, false);
    assert.equal((nominated?.candidate as { jid?: string })?.jid, bob.jid);
    const [done] = only(rs, 'done');
    assert.equal(done?.protocol, 'jingle');
    assert.equal(done?.transport, 's5b-direct');
    assert.equal((done?.hash as { verified?: boolean })?.verified, true);
  });

  test('xep65 send --hash → Libervia 0.9: refused (its hash parser wants base64 of hex); we report its reason', { timeout: TEST_TIMEOUT }, async () => {
    const dir = path.join(work, 'xep65-lib-hash');
    const { sent, rs } = await sendToBob(dir, ['--hash']);
    await newStanzas(bob, 'xep65-lib-hash', hasTerminate);
    assert.equal(sent.code, 5, sent.stdout + sent.stderr);
    assert.match(String(only(rs, 'error')[0]?.message), /failed \(application\): 'utf-8' codec can't decode/);
    assert.deepEqual(await readdir(dir), []);
  });

  test('xep65 send --protocol si → Libervia: SI (XEP-0096) still works', { timeout: TEST_TIMEOUT }, async () => {
    const dir = path.join(work, 'xep65-lib-si');
    const { sent, got, rs } = await sendToBob(dir, ['--protocol', 'si']);
    const b = await newStanzas(bob, 'xep65-lib-si', (log) => log.some((e) => e.xml.includes(NS_SI_FT)));
    assert.equal(sent.code, 0, await context(bob, sent, got));
    assert.equal(got.code, 0, await context(bob, sent, got));
    assert.match(got.stdout, /File received successfully/);
    assert.equal(await sha256File(path.join(dir, 'libervia.bin')), fileHash);
    const [done] = only(rs, 'done');
    assert.equal(done?.protocol, 'si');
    assert.ok(b.some((e) => e.direction === 'in' && e.xml.includes(NS_SI_FT)), 'an SI offer');
    assert.deepEqual(jingleActions(b), [], 'no Jingle');
  });
});

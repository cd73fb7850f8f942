// xep65 receive and send against a Jingle peer the test plays (test/helpers/jingle-peer.ts), for
// what a second xep65 would never do: a lying checksum, the other checksum encodings seen in the
// wild (FIELD-NOTES: Libervia's base64 of the hex string), a session-terminate mid-transfer,
// hostile or out-of-order Jingle IQs (XEP-0166 §7.2, §10 errors; §6.3.2 unsupported offers), and
// a responder that answers a SOCKS5 offer with IBB (Conversations#3478: take what the peer chose).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import xml from '@xmpp/xml';
import { startProsody, type PrivateProsody } from '../helpers/prosody.js';
import { accountEnv, startCli, type RunningCli } from '../helpers/cli.js';
import { connectJinglePeer, rawJingle, type JinglePeer } from '../helpers/jingle-peer.js';
import { buildJingle } from '../../src/stanzas/jingle.js';
import { buildChecksum, buildFileTransferDescription } from '../../src/stanzas/jingle-ft.js';
import { buildIbbTransport, parseIbbTransport } from '../../src/stanzas/jingle-ibb.js';
import { NS_JINGLE_FT_4, NS_JINGLE_IBB, NS_JINGLE_S5B } from '../../src/stanzas/ns.js';

const PASSWORDS = { alice: 'alice-secret-1', bob: 'bob-secret-2' };
const CONTENT = { creator: 'initiator', name: 'f', senders: 'initiator' } as const;

describe('Jingle against a peer played by the test', () => {
  let prosody: PrivateProsody;
  let work: string;
  let peer: JinglePeer;
  let bob: NodeJS.ProcessEnv;
  let alice: NodeJS.ProcessEnv;

  before(async () => {
    prosody = await startProsody({ accounts: Object.entries(PASSWORDS).map(([user, password]) => ({ user, password })) });
    work = await mkdtemp(path.join(os.tmpdir(), 'xep65-jpeer-'));
    peer = await connectJinglePeer(prosody, 'alice', PASSWORDS.alice);
    bob = accountEnv(prosody, 'bob', PASSWORDS.bob);
    alice = accountEnv(prosody, 'alice', PASSWORDS.alice);
  });

  after(async () => {
    await peer?.close();
    await prosody?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const bobFull = () => `bob@${prosody.domain}/xep65`;
  let n = 0;
  const sid = () => `j${++n}-${randomBytes(4).toString('hex')}`;

  async function receiver(extra: string[] = []): Promise<{ cli: RunningCli; dir: string }> {
    const dir = path.join(work, `r${++n}`);
    await mkdir(dir);
    const cli = startCli(['receive', '--accept-all', '--dir', dir, '--count', '1', '--json', '--timeout', '60s', ...extra], bob);
    await cli.waitForStdout(/"event":"ready"/);
    return { cli, dir };
  }

  /** session-initiate of `data` over IBB; resolves once the receiver accepted, with the IBB sid it took. */
  async function offerInBand(s: string, name: string, size: number, hashes: { hashUsed?: boolean; hash?: string } = { hashUsed: true }): Promise<string> {
    const description = buildFileTransferDescription({ name, size, hashes: [], ...(hashes.hashUsed ? { hashUsed: ['sha-256'] } : {}) });
    if (hashes.hash) description.getChild('file')!.append(xml('hash', { xmlns: 'urn:xmpp:hashes:2', algo: 'sha-256' }, hashes.hash));
    const ibbSid = `ibb-${s}`;
    const initiate = buildJingle({ action: 'session-initiate', sid: s, initiator: peer.jid, contents: [{ ...CONTENT, description, transport: buildIbbTransport({ sid: ibbSid, blockSize: 4096, stanza: 'iq' }) }], payloads: [] });
    assert.equal(await peer.set(bobFull(), initiate), true);
    const accept = await peer.next((j) => j.sid === s && j.action === 'session-accept');
    const transport = accept.contents[0]?.transport;
    assert.ok(transport);
    const parsed = parseIbbTransport(transport);
    assert.ok(parsed.ok);
    return parsed.value.sid;
  }

  const checksum = (s: string, value: string) =>
    buildJingle({ action: 'session-info', sid: s, contents: [], payloads: [buildChecksum({ creator: 'initiator', name: 'f', hashes: [{ algo: 'sha-256', value }] })] });
  const terminated = (s: string) => peer.next((j) => j.sid === s && j.action === 'session-terminate');
  const jsonOf = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

  test('a checksum that does not match: exit 6, <media-error/>, nothing saved', async () => {
    const { cli, dir } = await receiver();
    const s = sid();
    const data = randomBytes(50_000);
    const ibbSid = await offerInBand(s, 'lie.bin', data.length);
    assert.equal(await peer.ibb(bobFull(), ibbSid, data), true);
    await peer.set(bobFull(), checksum(s, createHash('sha256').update('something else').digest('base64')));
    const end = await terminated(s);
    assert.equal(end.reason?.condition, 'media-error');
    const result = await cli.done;
    assert.equal(result.code, 6, result.stderr + result.stdout);
    assert.deepEqual(await readdir(dir), []);
  });

  for (const [form, encode] of [
    ['base64 of the digest (XEP-0300)', (d: Buffer) => d.toString('base64')],
    ['base64 of the hex string (Libervia)', (d: Buffer) => Buffer.from(d.toString('hex')).toString('base64')],
    ['hex', (d: Buffer) => d.toString('hex')],
  ] as const) {
    test(`a checksum after the data as ${form} verifies the file; <received/> then <success/>`, async () => {
      const { cli, dir } = await receiver();
      const s = sid();
      const data = randomBytes(30_000);
      const ibbSid = await offerInBand(s, 'good.bin', data.length);
      assert.equal(await peer.ibb(bobFull(), ibbSid, data), true);
      await peer.set(bobFull(), checksum(s, encode(createHash('sha256').update(data).digest())));
      const received = await peer.next((j) => j.sid === s && j.action === 'session-info');
      assert.equal(received.payloads[0]?.getName(), 'received');
      assert.equal((await terminated(s)).reason?.condition, 'success');
      const result = await cli.done;
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.deepEqual(await readFile(path.join(dir, 'good.bin')), data);
      const done = jsonOf(result.stdout).find((r) => r.event === 'done') as { hash: { verified: boolean; encoding?: string } };
      assert.equal(done.hash.verified, true);
      assert.equal(done.hash.encoding, form.startsWith('hex') ? 'hex' : form.includes('Libervia') ? 'base64-hex' : undefined);
    });
  }

  test('the hash in the offer is checked too; no hash at all is "size checked only" (verified null)', async () => {
    const { cli, dir } = await receiver();
    const s = sid();
    const data = randomBytes(10_000);
    const ibbSid = await offerInBand(s, 'nohash.bin', data.length, {});
    assert.equal(await peer.ibb(bobFull(), ibbSid, data), true);
    assert.equal((await terminated(s)).reason?.condition, 'success');
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    const done = jsonOf(result.stdout).find((r) => r.event === 'done') as { hash: { verified: null } };
    assert.equal(done.hash.verified, null);
    assert.deepEqual(await readdir(dir), ['nohash.bin']);

    const second = await receiver();
    const s2 = sid();
    const ibb2 = await offerInBand(s2, 'offered.bin', data.length, { hash: createHash('sha256').update('not the data').digest('base64') });
    assert.equal(await peer.ibb(bobFull(), ibb2, data), true);
    assert.equal((await terminated(s2)).reason?.condition, 'media-error');
    assert.equal((await second.cli.done).code, 6);
    assert.deepEqual(await readdir(second.dir), []);
  });

  test('the sender ends the session mid-transfer: exit 5, no file, no part file', async () => {
    const { cli, dir } = await receiver();
    const s = sid();
    const ibbSid = await offerInBand(s, 'half.bin', 100_000);
    assert.equal(await peer.ibb(bobFull(), ibbSid, randomBytes(40_000), { close: false }), true);
    await peer.set(bobFull(), buildJingle({ action: 'session-terminate', sid: s, contents: [], payloads: [], reason: { condition: 'cancel', text: 'changed my mind' } }));
    const result = await cli.done;
    assert.equal(result.code, 5, result.stderr + result.stdout);
    assert.match(result.stdout, /cancelled the transfer: changed my mind/);
    assert.deepEqual(await readdir(dir), []);
  });

  test('hostile and out-of-order Jingle IQs get XEP-0166 errors; the receiver goes on and takes a good offer', async () => {
    const { cli, dir } = await receiver();
    const to = bobFull();
    // §7.2: no sid, unknown action → bad-request.
    assert.deepEqual(await peer.set(to, rawJingle({ action: 'session-initiate' })), { condition: 'bad-request' });
    assert.deepEqual(await peer.set(to, rawJingle({ action: 'session-explode', sid: sid() })), { condition: 'bad-request' });
    // §10 unknown-session for a sid we never saw.
    assert.deepEqual(await peer.set(to, rawJingle({ action: 'transport-info', sid: 'nope' })), { condition: 'item-not-found', jingle: 'unknown-session' });
    // §6.3.2: malformed offers (no content; a size that is not a plain decimal) → bad-request.
    assert.deepEqual(await peer.set(to, rawJingle({ action: 'session-initiate', sid: sid() })), { condition: 'bad-request' });
    const badSize = xml('description', { xmlns: 'urn:xmpp:jingle:apps:file-transfer:5' }, xml('file', {}, xml('name', {}, 'x'), xml('size', {}, '1e3')));
    const content = (description: ReturnType<typeof xml>, transport = buildIbbTransport({ sid: 'i', blockSize: 4096, stanza: 'iq' })) =>
      xml('content', { creator: 'initiator', name: 'f', senders: 'initiator' }, description, transport);
    assert.deepEqual(await peer.set(to, rawJingle({ action: 'session-initiate', sid: sid() }, content(badSize))), { condition: 'bad-request' });
    // Well-formed but not ours: file-transfer:4 → ack, then unsupported-applications; an unknown transport → unsupported-transports.
    const old = sid();
    const oldDescription = xml('description', { xmlns: NS_JINGLE_FT_4 }, xml('file', {}, xml('name', {}, 'x'), xml('size', {}, '1')));
    assert.equal(await peer.set(to, rawJingle({ action: 'session-initiate', sid: old }, content(oldDescription))), true);
    assert.equal((await terminated(old)).reason?.condition, 'unsupported-applications');
    const weird = sid();
    const good = buildFileTransferDescription({ name: 'x', size: 1, hashes: [] });
    assert.equal(await peer.set(to, rawJingle({ action: 'session-initiate', sid: weird }, content(good, xml('transport', { xmlns: 'urn:example:teleport' })))), true);
    assert.equal((await terminated(weird)).reason?.condition, 'unsupported-transports');
    // Out of order: session-accept sent to a responder, and a second session-initiate with the same sid.
    const s = sid();
    const ibbSid = await offerInBand(s, '../../escape.bin', 5);
    assert.deepEqual(await peer.set(to, buildJingle({ action: 'session-accept', sid: s, contents: [], payloads: [] })), { condition: 'unexpected-request', jingle: 'out-of-order' });
    const again = buildJingle({ action: 'session-initiate', sid: s, contents: [{ ...CONTENT, description: good, transport: buildIbbTransport({ sid: 'z', blockSize: 4096, stanza: 'iq' }) }], payloads: [] });
    assert.deepEqual(await peer.set(to, again), { condition: 'unexpected-request', jingle: 'out-of-order' });
    // An unknown session-info payload is unsupported-info (§6.8); a checksum with an unreadable value bad-request.
    const info = (payload: ReturnType<typeof xml>) => buildJingle({ action: 'session-info', sid: s, contents: [], payloads: [payload] });
    assert.deepEqual(await peer.set(to, info(xml('ringing', { xmlns: 'urn:example:rtp' }))), { condition: 'feature-not-implemented', jingle: 'unsupported-info' });
    const garbage = xml('checksum', { xmlns: 'urn:xmpp:jingle:apps:file-transfer:5' }, xml('file', {}, xml('hash', { xmlns: 'urn:xmpp:hashes:2', algo: 'sha-256' }, '!!!')));
    assert.deepEqual(await peer.set(to, info(garbage)), { condition: 'bad-request' });
    // The offer itself still goes through, saved under a safe name inside --dir.
    const data = Buffer.from('hello');
    assert.equal(await peer.ibb(to, ibbSid, data), true);
    await peer.set(to, checksum(s, createHash('sha256').update(data).digest('base64')));
    assert.equal((await terminated(s)).reason?.condition, 'success');
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.deepEqual(await readdir(dir), ['escape.bin']);
  });

  test('xep65 send: a responder that answers our SOCKS5 offer with IBB gets the file in-band; one that ends mid-transfer is exit 5', async () => {
    const file = path.join(work, 'to-peer.bin');
    const data = randomBytes(20_000);
    await writeFile(file, data);
    const accepted = (async () => {
      const initiate = await peer.next((j) => j.action === 'session-initiate');
      const offered = initiate.contents[0]!;
      assert.equal(offered.transport?.getNS(), NS_JINGLE_S5B);
      await peer.set(initiate.initiator ?? '', buildJingle({ action: 'session-accept', sid: initiate.sid, responder: peer.jid, contents: [{ ...CONTENT, name: offered.name, description: offered.description!, transport: buildIbbTransport({ sid: 'peer-ibb', blockSize: 4096, stanza: 'iq' }) }], payloads: [] }));
      return initiate;
    })();
    const sender = startCli(['send', file, peer.jid, '--no-proxy', '--json'], { ...alice, XEP65_JID: `alice@${prosody.domain}` });
    const initiate = await accepted;
    const checksumInfo = await peer.next((j) => j.sid === initiate.sid && j.action === 'session-info', 30_000);
    assert.equal(checksumInfo.payloads[0]?.getName(), 'checksum');
    await peer.set(initiate.initiator!, buildJingle({ action: 'session-terminate', sid: initiate.sid, contents: [], payloads: [], reason: { condition: 'success' } }));
    const result = await sender.done;
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const done = jsonOf(result.stdout).find((r) => r.event === 'done') as { transport: string };
    assert.equal(done.transport, 'ibb');
    assert.deepEqual(peer.inBand('peer-ibb'), data);
    assert.equal(NS_JINGLE_IBB, buildIbbTransport({ sid: 'x', blockSize: 1, stanza: 'iq' }).getNS());
  });

  test('xep65 send: the responder ends the session mid-transfer: exit 5 with its reason', async () => {
    const file = path.join(work, 'to-peer-2.bin');
    await writeFile(file, randomBytes(400_000));
    let packets = 0;
    peer.onInBand(() => {
      if (++packets === 3) void peer.set(initiator, buildJingle({ action: 'session-terminate', sid: session, contents: [], payloads: [], reason: { condition: 'failed-application', text: 'disk on fire' } }));
    });
    let initiator = '';
    let session = '';
    const accepted = (async () => {
      const initiate = await peer.next((j) => j.action === 'session-initiate');
      initiator = initiate.initiator ?? '';
      session = initiate.sid;
      const offered = initiate.contents[0]!;
      await peer.set(initiator, buildJingle({ action: 'session-accept', sid: initiate.sid, responder: peer.jid, contents: [{ ...CONTENT, name: offered.name, description: offered.description!, transport: buildIbbTransport({ sid: 'peer-ibb-2', blockSize: 4096, stanza: 'iq' }) }], payloads: [] }));
    })();
    const sender = startCli(['send', file, peer.jid, '--no-proxy', '--json'], alice);
    await accepted;
    const result = await sender.done;
    peer.onInBand(undefined);
    assert.equal(result.code, 5, result.stderr + result.stdout);
    assert.match(result.stdout, /disk on fire/);
  });
});

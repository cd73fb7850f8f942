// Jingle sessions as IQ transcripts over a scripted XMPP port (ARCHITECTURE rule 12), named after
// the spec sections: XEP-0166 §6-7 (actions, acknowledgements, errors), XEP-0260 §2.4 (nomination),
// §2.5 (proxy activation), §2.6 (transport-replace to IBB), XEP-0234 §8.2 (checksum).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex, PassThrough } from 'node:stream';
import xml, { type Element } from '@xmpp/xml';
import { FakeXmpp, type SentIq } from '../../helpers/fake-xmpp.js';
import { serveJingle } from '../../../src/session/jingle/router.js';
import { JingleSession } from '../../../src/session/jingle/session.js';
import { nominate } from '../../../src/session/jingle/s5b-transport.js';
import { sendByJingle, type JingleSendOptions } from '../../../src/session/jingle/initiator.js';
import { buildJingle, parseJingle, type Jingle, type JingleContent } from '../../../src/stanzas/jingle.js';
import { buildS5bTransport, parseS5bTransport, type S5bCandidate } from '../../../src/stanzas/jingle-s5b.js';
import { buildIbbTransport } from '../../../src/stanzas/jingle-ibb.js';
import { buildFileTransferDescription } from '../../../src/stanzas/jingle-ft.js';
import { NS_BYTESTREAMS, NS_IBB, NS_JINGLE, NS_JINGLE_IBB } from '../../../src/stanzas/ns.js';
import { dstAddr } from '../../../src/socks5/dst-addr.js';
import type { Bytestream } from '../../../src/session/ports.js';

const ME = 'alice@example.test/send';
const PEER = 'bob@example.test/xep65';
const settle = () => new Promise((r) => setImmediate(r));
const jingleOf = (iq: SentIq): Jingle | undefined => {
  if (iq.payload.getNS() !== NS_JINGLE) return undefined;
  const parsed = parseJingle(iq.payload);
  return parsed.ok ? parsed.value : undefined;
};
const sentActions = (x: FakeXmpp) => x.sent.map(jingleOf).filter((j): j is Jingle => j !== undefined).map((j) => j.action);

async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await settle();
  }
  throw new Error('timed out waiting in transcript');
}

const cand = (cid: string, priority: number, type: S5bCandidate['type'] = 'direct'): S5bCandidate => ({ cid, host: '127.0.0.1', port: 1, jid: PEER, priority, type });

test('XEP-0260 §2.4 nomination: higher priority wins; on a tie the initiator\'s choice; one side alone is nominated', () => {
  const ours = cand('a', 100);
  const theirs = cand('b', 200);
  assert.equal(nominate('initiator', ours, theirs), theirs);
  assert.equal(nominate('responder', theirs, ours), theirs);
  const tieMine = cand('m', 5);
  const tieTheirs = cand('t', 5);
  assert.equal(nominate('initiator', tieMine, tieTheirs), tieMine);
  assert.equal(nominate('responder', tieMine, tieTheirs), tieTheirs);
  assert.equal(nominate('initiator', undefined, tieTheirs), tieTheirs);
  assert.equal(nominate('responder', tieMine, undefined), tieMine);
  assert.equal(nominate('initiator', undefined, undefined), undefined);
});

test('XEP-0166 §7.2, §10: the router answers bad-request, unknown-session, out-of-order and unsupported-info; a good IQ is acknowledged first', async () => {
  const xmpp = new FakeXmpp(PEER);
  const router = serveJingle(xmpp);
  const jingle = (attrs: Record<string, string>, ...children: Element[]) => xml('jingle', { xmlns: NS_JINGLE, ...attrs }, ...children);
  const condition = (a: unknown) => (a as Element).getChildElements().map((c) => c.getName());
  assert.deepEqual(condition(await xmpp.receive('set', ME, jingle({ action: 'fly', sid: 's' }))), ['bad-request', 'text']);
  assert.deepEqual(condition(await xmpp.receive('set', ME, jingle({ action: 'transport-info', sid: 'nope' }))), ['item-not-found', 'unknown-session']);
  assert.deepEqual(condition(await xmpp.receive('set', ME, jingle({ action: 'session-initiate', sid: 'x' }))), ['service-unavailable']);

  const session = new JingleSession({ xmpp, peer: ME, sid: 's1', role: 'responder', iqTimeoutMs: 1000 });
  router.add(session);
  assert.deepEqual(condition(await xmpp.receive('set', ME, jingle({ action: 'session-accept', sid: 's1' }))), ['unexpected-request', 'text', 'out-of-order']);
  assert.deepEqual(condition(await xmpp.receive('set', ME, jingle({ action: 'session-info', sid: 's1' }, xml('mute', { xmlns: 'urn:x' })))), ['feature-not-implemented', 'unsupported-info']);
  const delivered: string[] = [];
  const next = session.next((j) => j.action === 'session-info', AbortSignal.timeout(1000)).then((j) => delivered.push(j.action));
  assert.equal(await xmpp.receive('set', ME, jingle({ action: 'session-info', sid: 's1' })), true);
  assert.deepEqual(delivered, [], 'delivered only after the acknowledgement went out');
  await next;
  assert.deepEqual(delivered, ['session-info']);
  // §6.7: a session-terminate ends every wait with the reason, and later IQs are unknown-session.
  const waiting = session.next(() => false, AbortSignal.timeout(1000));
  await xmpp.receive('set', ME, buildJingle({ action: 'session-terminate', sid: 's1', contents: [], payloads: [], reason: { condition: 'decline' } }));
  await assert.rejects(waiting, { code: 'declined' });
  await settle();
  assert.deepEqual(condition(await xmpp.receive('set', ME, jingle({ action: 'session-info', sid: 's1' }))), ['item-not-found', 'unknown-session']);
});

function initiatorOptions(xmpp: FakeXmpp, over: Partial<JingleSendOptions> = {}): JingleSendOptions {
  return {
    xmpp,
    router: serveJingle(xmpp),
    dial: () => Promise.reject(new Error('no dial in this transcript')),
    peer: PEER,
    file: { name: 'a.bin', size: 3, hashes: [], hashUsed: ['sha-256'] },
    direct: [],
    proxies: [],
    ibb: true,
    offerTimeoutMs: 2000,
    timings: { iqMs: 1000, staggerMs: 10, perHostMs: 200, connectBudgetMs: 500, negotiationMs: 2000 },
    onEvent: () => undefined,
    ...over,
  };
}

const reply = (j: Jingle) => buildJingle(j);
const contentOf = (j: Jingle): JingleContent => ({ creator: 'initiator', name: j.contents[0]!.name, senders: 'initiator' });

test('XEP-0234 §6.1 with IBB only: session-initiate (file, hash-used, ibb:1), session-accept, IBB <open/>, checksum, success', async () => {
  const xmpp = new FakeXmpp(ME);
  const outgoing = sendByJingle(initiatorOptions(xmpp));
  const initiate = await waitFor(() => xmpp.sent.map(jingleOf).find((j) => j?.action === 'session-initiate'));
  assert.equal(initiate.initiator, ME);
  const content = initiate.contents[0]!;
  assert.equal(content.senders, 'initiator');
  assert.equal(content.transport?.getNS(), NS_JINGLE_IBB);
  assert.match(content.description!.toString(), /<hash-used xmlns="urn:xmpp:hashes:2" algo="sha-256"\/>/);
  // An empty <desc/> even without a description: Libervia 0.9 fails the session without one.
  assert.match(content.description!.toString(), /<desc\/>/);
  await xmpp.receive('set', PEER, reply({ action: 'session-accept', sid: initiate.sid, responder: PEER, contents: [{ ...contentOf(initiate), description: content.description!, transport: content.transport! }], payloads: [] }));
  const out = await outgoing;
  assert.equal(out.transport, 'ibb');
  assert.ok(xmpp.sent.some((iq) => iq.payload.getName() === 'open' && iq.payload.getNS() === NS_IBB));
  const finished = out.finish({ algo: 'sha-256', value: Buffer.alloc(32).toString('base64') }, 2000);
  await waitFor(() => (sentActions(xmpp).includes('session-info') ? true : undefined));
  await xmpp.receive('set', PEER, reply({ action: 'session-terminate', sid: initiate.sid, contents: [], payloads: [], reason: { condition: 'success' } }));
  await finished;
});

test('XEP-0166 §6.7: a decline before the accept is exit-4 "declined"; a cancel before it too', async () => {
  for (const condition of ['decline', 'cancel'] as const) {
    const xmpp = new FakeXmpp(ME);
    const outgoing = sendByJingle(initiatorOptions(xmpp));
    const initiate = await waitFor(() => xmpp.sent.map(jingleOf).find((j) => j?.action === 'session-initiate'));
    await xmpp.receive('set', PEER, reply({ action: 'session-terminate', sid: initiate.sid, contents: [], payloads: [], reason: { condition, text: 'no thanks' } }));
    await assert.rejects(outgoing, (err: Error & { code?: string }) => err.code === 'declined' && /no thanks/.test(err.message));
  }
});

test('XEP-0260 §2.5: the responder used our proxy candidate: we dial it with our DST.ADDR, activate it, and send <activated/>', async () => {
  const xmpp = new FakeXmpp(ME);
  const dialed: string[] = [];
  const dial = async (o: { dstAddr: string }): Promise<Bytestream> => {
    dialed.push(o.dstAddr);
    return { stream: new PassThrough() as Duplex };
  };
  const outgoing = sendByJingle(initiatorOptions(xmpp, { dial, proxies: [{ jid: 'proxy.example.test', host: '127.0.0.2', port: 7777 }] }));
  const initiate = await waitFor(() => xmpp.sent.map(jingleOf).find((j) => j?.action === 'session-initiate'));
  const offered = parseS5bTransport(initiate.contents[0]!.transport!);
  assert.ok(offered.ok && offered.value.kind === 'candidates');
  const proxy = offered.value.candidates[0]!;
  assert.equal(proxy.type, 'proxy');
  assert.equal(proxy.priority, 10 * 65536 + 65535);
  const tsid = offered.value.sid;
  // §2.2: with a proxy candidate the offer says which DST.ADDR we compute (SHA1(tsid + initiator + responder)).
  assert.equal(offered.value.dstAddr, dstAddr(tsid, ME, PEER));
  const content = contentOf(initiate);
  await xmpp.receive('set', PEER, reply({ action: 'session-accept', sid: initiate.sid, contents: [{ ...content, description: buildFileTransferDescription({ name: 'a.bin', size: 3, hashes: [] }), transport: buildS5bTransport({ sid: tsid, kind: 'candidates', candidates: [] }) }], payloads: [] }));
  await xmpp.receive('set', PEER, reply({ action: 'transport-info', sid: initiate.sid, contents: [{ ...content, transport: buildS5bTransport({ sid: tsid, kind: 'candidate-used', cid: proxy.cid }) }], payloads: [] }));
  const out = await outgoing;
  assert.equal(out.transport, 's5b-proxy');
  assert.deepEqual(dialed, [dstAddr(tsid, ME, PEER)]);
  const activate = xmpp.sent.find((iq) => iq.to === 'proxy.example.test' && iq.payload.getNS() === NS_BYTESTREAMS);
  assert.equal(activate?.payload.getChildText('activate'), PEER);
  const notices = xmpp.sent.map(jingleOf).filter((j) => j?.action === 'transport-info').map((j) => j!.contents[0]!.transport!.getChildElements()[0]!.getName());
  assert.deepEqual(notices, ['candidate-error', 'activated']);
});

test('XEP-0260 §2.6: candidate-error on both sides → transport-replace with IBB, transport-accept, then IBB', async () => {
  const xmpp = new FakeXmpp(ME);
  const dial = () => Promise.reject(new Error('refused'));
  const outgoing = sendByJingle(initiatorOptions(xmpp, { dial, proxies: [{ jid: 'proxy.example.test', host: '127.0.0.2', port: 7777 }] }));
  const initiate = await waitFor(() => xmpp.sent.map(jingleOf).find((j) => j?.action === 'session-initiate'));
  const offered = parseS5bTransport(initiate.contents[0]!.transport!);
  assert.ok(offered.ok);
  const content = contentOf(initiate);
  const theirs = [cand('c1', 126 * 65536)];
  await xmpp.receive('set', PEER, reply({ action: 'session-accept', sid: initiate.sid, contents: [{ ...content, description: buildFileTransferDescription({ name: 'a.bin', size: 3, hashes: [] }), transport: buildS5bTransport({ sid: offered.value.sid, kind: 'candidates', candidates: theirs }) }], payloads: [] }));
  await xmpp.receive('set', PEER, reply({ action: 'transport-info', sid: initiate.sid, contents: [{ ...content, transport: buildS5bTransport({ sid: offered.value.sid, kind: 'candidate-error' }) }], payloads: [] }));
  const replace = await waitFor(() => xmpp.sent.map(jingleOf).find((j) => j?.action === 'transport-replace'));
  const ibb = replace.contents[0]!.transport!;
  assert.equal(ibb.getNS(), NS_JINGLE_IBB);
  await xmpp.receive('set', PEER, reply({ action: 'transport-accept', sid: initiate.sid, contents: [{ ...content, transport: buildIbbTransport({ sid: String(ibb.attrs.sid), blockSize: 2048, stanza: 'iq' }) }], payloads: [] }));
  const out = await outgoing;
  assert.equal(out.transport, 'ibb');
  const open = xmpp.sent.find((iq) => iq.payload.getName() === 'open' && iq.payload.getNS() === NS_IBB);
  assert.equal(open?.payload.attrs.sid, ibb.attrs.sid);
  assert.equal(open?.payload.attrs['block-size'], '2048');
});

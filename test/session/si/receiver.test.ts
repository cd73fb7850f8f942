// The receiver's answers as an IQ transcript: SI offer (XEP-0095 §3, XEP-0096 §3.2) and the
// streamhost offer (XEP-0065 §5.3.2-5.3.3), with a fake XMPP port and a fake dialer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PassThrough, type Duplex } from 'node:stream';
import type { Element } from '@xmpp/xml';
import { MAX_STREAMHOSTS, serveSiReceiver, type IncomingOffer } from '../../../src/session/si/receiver.js';
import { buildSiOffer } from '../../../src/stanzas/si.js';
import { buildStreamhostOffer } from '../../../src/stanzas/bytestreams.js';
import { NS_BYTESTREAMS, NS_IBB, NS_SI_FILE } from '../../../src/stanzas/ns.js';
import { parseErrorElement } from '../../../src/stanzas/stanza-error.js';
import type { Socks5Dialer } from '../../../src/session/ports.js';
import type { TransferEvent } from '../../../src/session/events.js';
import { Xep65Error } from '../../../src/errors.js';
import { FakeXmpp } from '../../helpers/fake-xmpp.js';

const SENDER = 'alice@example.test/xep65-send-1';
const ME = 'bob@example.test/xep65';

function setup(accept: boolean, dial: Socks5Dialer, limits?: { perPeer: number; total: number }) {
  const xmpp = new FakeXmpp(ME);
  const streams: IncomingOffer[] = [];
  const failures: Xep65Error[] = [];
  const events: TransferEvent[] = [];
  const opened: Duplex[] = [];
  serveSiReceiver({
    xmpp,
    dial,
    decide: async () => accept,
    onStream: (offer, bytestream) => (streams.push(offer), opened.push(bytestream.stream)),
    onFailed: (_o, e) => failures.push(e),
    onEvent: (e) => events.push(e),
    streamhostOfferTimeoutMs: 5000,
    ibb: false,
    ibbFallbackWaitMs: 1000,
    staggerMs: 1,
    perHostTimeoutMs: 100,
    connectBudgetMs: 200,
    ...(limits ? { limits } : {}),
  });
  return { xmpp, streams, failures, events, opened };
}

const offer = (methods = [NS_BYTESTREAMS, NS_IBB], profile = NS_SI_FILE, sid = 's1') =>
  buildSiOffer({ sid, profile, file: { name: 'a.txt', size: 3 }, streamMethods: methods });

const errorOf = (answer: unknown) => parseErrorElement(answer as Element);
const accepted = (answer: unknown) => (answer as Element).name === 'si';

test('accepted offer: bytestreams chosen, then DST.ADDR = SHA1(sid + requester + target) and streamhost-used', async () => {
  const dialed: Array<{ host: string; dstAddr: string }> = [];
  const { xmpp, streams } = setup(true, async ({ host, dstAddr }) => {
    dialed.push({ host, dstAddr });
    if (host === 'dead') throw new Error('refused');
    return { stream: new PassThrough() };
  });
  const answer = (await xmpp.receive('set', SENDER, offer())) as Element;
  assert.match(answer.toString(), /<value>http:\/\/jabber.org\/protocol\/bytestreams<\/value>/);
  const used = (await xmpp.receive(
    'set',
    SENDER,
    buildStreamhostOffer({ sid: 's1', mode: 'tcp', streamhosts: [{ jid: 'dead.example', host: 'dead', port: 1 }, { jid: SENDER, host: '127.0.0.1', port: 2 }] }),
  )) as Element;
  assert.equal(used.getChild('streamhost-used')?.attrs.jid, SENDER);
  const expected = createHash('sha1').update(`s1${SENDER}${ME}`, 'utf8').digest('hex');
  assert.deepEqual(dialed.map((d) => d.dstAddr), [expected, expected]);
  assert.equal(streams.length, 1);
});

test('declined offer: forbidden with "Offer Declined" (XEP-0095 §3)', async () => {
  const { xmpp, events } = setup(false, async () => ({ stream: new PassThrough() }));
  const e = errorOf(await xmpp.receive('set', SENDER, offer()));
  assert.equal(e.condition, 'forbidden');
  assert.equal(e.text, 'Offer Declined');
  assert.ok(events.some((ev) => ev.kind === 'declined'));
});

test('no common stream method: bad-request + no-valid-streams; unknown profile: bad-profile', async () => {
  const { xmpp } = setup(true, async () => ({ stream: new PassThrough() }));
  const noStreams = errorOf(await xmpp.receive('set', SENDER, offer([NS_IBB])));
  assert.equal(noStreams.condition, 'bad-request');
  assert.equal(noStreams.appCondition?.name, 'no-valid-streams');
  const badProfile = errorOf(await xmpp.receive('set', SENDER, offer([NS_BYTESTREAMS], 'urn:x')));
  assert.equal(badProfile.appCondition?.name, 'bad-profile');
});

test('a streamhost offer for a stream we did not accept: not-acceptable (XEP-0065 §5.3.1)', async () => {
  const { xmpp } = setup(true, async () => ({ stream: new PassThrough() }));
  const e = errorOf(await xmpp.receive('set', SENDER, buildStreamhostOffer({ sid: 'unknown', mode: 'tcp', streamhosts: [] })));
  assert.equal(e.condition, 'not-acceptable');
  await xmpp.receive('set', SENDER, offer());
  const otherSender = errorOf(await xmpp.receive('set', 'mallory@example.test/x', buildStreamhostOffer({ sid: 's1', mode: 'tcp', streamhosts: [] })));
  assert.equal(otherSender.condition, 'not-acceptable');
});

test('no streamhost reachable: item-not-found and the failure reported (XEP-0065 §5.3.2)', async () => {
  const { xmpp, failures } = setup(true, async ({ host }) => {
    throw new Error(`${host} refused`);
  });
  await xmpp.receive('set', SENDER, offer());
  const e = errorOf(await xmpp.receive('set', SENDER, buildStreamhostOffer({ sid: 's1', mode: 'tcp', streamhosts: [{ jid: 'p', host: 'h', port: 1 }] })));
  assert.equal(e.condition, 'item-not-found');
  assert.equal(failures.length, 1);
  assert.equal(failures[0]!.code, 'no-streamhost');
});

test('a peer over its share of open offers gets resource-constraint (wait); a slot frees when its stream closes; others still get through', async () => {
  const { xmpp, events, opened } = setup(true, async () => ({ stream: new PassThrough() }), { perPeer: 2, total: 3 });
  const si = (from: string, sid: string) => xmpp.receive('set', from, offer([NS_BYTESTREAMS], NS_SI_FILE, sid));
  const hosts = (sid: string) => buildStreamhostOffer({ sid, mode: 'tcp', streamhosts: [{ jid: 'p', host: 'h', port: 1 }] });
  assert.ok(accepted(await si(SENDER, 'a1')));
  assert.ok(accepted(await si('alice@example.test/other', 'a2')), 'a second resource of the same account');
  const third = errorOf(await si(SENDER, 'a3'));
  assert.equal(third.condition, 'resource-constraint');
  assert.equal(third.type, 'wait');
  assert.ok(events.some((e) => e.kind === 'declined' && e.reason === 'too many offers at once'));
  assert.ok(accepted(await si('carol@example.test/x', 'c1')), 'another peer still gets through');
  assert.equal(errorOf(await si('dave@example.test/x', 'd1')).condition, 'resource-constraint', 'the total is reached');
  await xmpp.receive('set', SENDER, hosts('a1'));
  opened[0]!.destroy();
  await new Promise((r) => setImmediate(r));
  assert.ok(accepted(await si(SENDER, 'a4')), 'the closed stream gave its slot back');
});

test('a declined offer gives its slot back', async () => {
  const { xmpp } = setup(false, async () => ({ stream: new PassThrough() }), { perPeer: 1, total: 1 });
  for (const sid of ['x1', 'x2', 'x3']) assert.equal(errorOf(await xmpp.receive('set', SENDER, offer([NS_BYTESTREAMS], NS_SI_FILE, sid))).condition, 'forbidden');
});

test('at most MAX_STREAMHOSTS of one offer are dialed', async () => {
  let dials = 0;
  const { xmpp } = setup(true, async () => {
    dials++;
    throw new Error('refused');
  });
  await xmpp.receive('set', SENDER, offer());
  const streamhosts = Array.from({ length: 500 }, (_, i) => ({ jid: `p${i}`, host: '127.0.0.1', port: 1000 + i }));
  await xmpp.receive('set', SENDER, buildStreamhostOffer({ sid: 's1', mode: 'tcp', streamhosts }));
  assert.equal(dials, MAX_STREAMHOSTS);
});

// The receiver's answers as an IQ transcript: SI offer (XEP-0095 §3, XEP-0096 §3.2) and the
// streamhost offer (XEP-0065 §5.3.2-5.3.3), with a fake XMPP port and a fake dialer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Element } from '@xmpp/xml';
import { serveTarget, type IncomingOffer } from '../../src/session/target.js';
import { buildSiOffer } from '../../src/stanzas/si.js';
import { buildStreamhostOffer } from '../../src/stanzas/bytestreams.js';
import { NS_BYTESTREAMS, NS_IBB, NS_SI_FILE } from '../../src/stanzas/ns.js';
import { parseErrorElement } from '../../src/stanzas/stanza-error.js';
import type { Socks5Dialer } from '../../src/session/ports.js';
import type { TransferEvent } from '../../src/session/events.js';
import { Xep65Error } from '../../src/errors.js';
import { FakeXmpp } from '../helpers/fake-xmpp.js';

const SENDER = 'alice@example.test/xep65-send-1';
const ME = 'bob@example.test/xep65';

function setup(accept: boolean, dial: Socks5Dialer) {
  const xmpp = new FakeXmpp(ME);
  const streams: IncomingOffer[] = [];
  const failures: Xep65Error[] = [];
  const events: TransferEvent[] = [];
  serveTarget({
    xmpp,
    dial,
    decide: async () => accept,
    onStream: (offer) => streams.push(offer),
    onFailed: (_o, e) => failures.push(e),
    onEvent: (e) => events.push(e),
    streamhostOfferTimeoutMs: 5000,
    ibb: false,
    ibbFallbackWaitMs: 1000,
    staggerMs: 1,
    perHostTimeoutMs: 100,
    connectBudgetMs: 200,
  });
  return { xmpp, streams, failures, events };
}

const offer = (methods = [NS_BYTESTREAMS, NS_IBB], profile = NS_SI_FILE) =>
  buildSiOffer({ sid: 's1', profile, file: { name: 'a.txt', size: 3 }, streamMethods: methods });

const errorOf = (answer: unknown) => parseErrorElement(answer as Element);

test('accepted offer: bytestreams chosen, then DST.ADDR = SHA1(sid + requester + target) and streamhost-used', async () => {
  const dialed: Array<{ host: string; dstAddr: string }> = [];
  const { xmpp, streams } = setup(true, async ({ host, dstAddr }) => {
    dialed.push({ host, dstAddr });
    if (host === 'dead') throw new Error('refused');
    return new PassThrough();
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
  const { xmpp, events } = setup(false, async () => new PassThrough());
  const e = errorOf(await xmpp.receive('set', SENDER, offer()));
  assert.equal(e.condition, 'forbidden');
  assert.equal(e.text, 'Offer Declined');
  assert.ok(events.some((ev) => ev.kind === 'declined'));
});

test('no common stream method: bad-request + no-valid-streams; unknown profile: bad-profile', async () => {
  const { xmpp } = setup(true, async () => new PassThrough());
  const noStreams = errorOf(await xmpp.receive('set', SENDER, offer([NS_IBB])));
  assert.equal(noStreams.condition, 'bad-request');
  assert.equal(noStreams.appCondition?.name, 'no-valid-streams');
  const badProfile = errorOf(await xmpp.receive('set', SENDER, offer([NS_BYTESTREAMS], 'urn:x')));
  assert.equal(badProfile.appCondition?.name, 'bad-profile');
});

test('a streamhost offer for a stream we did not accept: not-acceptable (XEP-0065 §5.3.1)', async () => {
  const { xmpp } = setup(true, async () => new PassThrough());
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

// The requester as an IQ transcript (XEP-0065 §5.3 direct, §6.3 mediated): streamhost-used
// picks our listener or a proxy; a proxy is connected with the same DST.ADDR, then activated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PassThrough, type Duplex } from 'node:stream';
import { establishAsRequester } from '../../../src/session/si/s5b-requester.js';
import { buildStreamhostUsed } from '../../../src/stanzas/bytestreams.js';
import { IqError } from '../../../src/stanzas/iq-error.js';
import { NoStreamhostError, Xep65Error } from '../../../src/errors.js';
import type { StreamhostListenerPort } from '../../../src/session/ports.js';
import { FakeXmpp } from '../../helpers/fake-xmpp.js';

const ME = 'alice@example.test/xep65-send-1';
const TARGET = 'bob@example.test/xep65';
const PROXY = { jid: 'proxy.example.test', host: '127.0.0.1', port: 5000 };
const OWN = { jid: ME, host: '127.0.0.1', port: 4000 };
const DST = createHash('sha1').update(`s1${ME}${TARGET}`).digest('hex');

function fakeListener(log: string[]): StreamhostListenerPort {
  return {
    port: 4000,
    expect: async (dstAddr) => (log.push(`expect ${dstAddr}`), new PassThrough() as Duplex),
    close: async () => undefined,
  };
}

test('direct: the target used our streamhost; the listener connection is the stream, no activation', async () => {
  const xmpp = new FakeXmpp(ME);
  const log: string[] = [];
  xmpp.answer = (iq) => (iq.to === TARGET ? buildStreamhostUsed('s1', ME) : undefined);
  const result = await establishAsRequester({
    xmpp,
    dial: async () => assert.fail('no dial for a direct connection'),
    listener: fakeListener(log),
    target: TARGET,
    sid: 's1',
    streamhosts: [OWN, PROXY],
    answerTimeoutMs: 1000,
    connectTimeoutMs: 1000,
  });
  assert.equal(result.streamhost.jid, ME);
  assert.deepEqual(log, [`expect ${DST}`]);
  assert.equal(xmpp.sent.length, 1);
});

test('mediated: connect to the proxy with the same DST.ADDR, then activate with the target JID', async () => {
  const xmpp = new FakeXmpp(ME);
  const order: string[] = [];
  xmpp.answer = (iq) => {
    order.push(`iq ${iq.to}`);
    return iq.to === TARGET ? buildStreamhostUsed('s1', PROXY.jid) : undefined;
  };
  const result = await establishAsRequester({
    xmpp,
    dial: async ({ host, port, dstAddr }) => (order.push(`dial ${host}:${port} ${dstAddr}`), { stream: new PassThrough() }),
    target: TARGET,
    sid: 's1',
    streamhosts: [PROXY],
    answerTimeoutMs: 1000,
    connectTimeoutMs: 1000,
  });
  assert.equal(result.streamhost.jid, PROXY.jid);
  assert.deepEqual(order, [`iq ${TARGET}`, `dial 127.0.0.1:5000 ${DST}`, `iq ${PROXY.jid}`]);
  assert.equal(xmpp.sent[1]!.payload.toString(), `<query xmlns="http://jabber.org/protocol/bytestreams" sid="s1"><activate>${TARGET}</activate></query>`);
});

test('the target could reach none: item-not-found becomes NoStreamhostError', async () => {
  const xmpp = new FakeXmpp(ME);
  xmpp.answer = () => {
    throw new IqError(TARGET, { type: 'cancel', condition: 'item-not-found' });
  };
  await assert.rejects(
    establishAsRequester({ xmpp, dial: async () => ({ stream: new PassThrough() }), target: TARGET, sid: 's1', streamhosts: [PROXY], answerTimeoutMs: 1000, connectTimeoutMs: 1000 }),
    NoStreamhostError,
  );
});

test('activation refused by the proxy: a clear no-streamhost error and the connection closed', async () => {
  const xmpp = new FakeXmpp(ME);
  const socket = new PassThrough();
  xmpp.answer = (iq) => {
    if (iq.to === TARGET) return buildStreamhostUsed('s1', PROXY.jid);
    throw new IqError(PROXY.jid, { type: 'cancel', condition: 'not-allowed' });
  };
  const err = await establishAsRequester({ xmpp, dial: async () => ({ stream: socket }), target: TARGET, sid: 's1', streamhosts: [PROXY], answerTimeoutMs: 1000, connectTimeoutMs: 1000 }).catch((e: unknown) => e);
  assert.ok(err instanceof Xep65Error);
  assert.equal(err.code, 'no-streamhost');
  assert.match(err.message, /only one side of the stream connected/);
  assert.ok(socket.destroyed);
});

test('a streamhost-used we never offered is a protocol error', async () => {
  const xmpp = new FakeXmpp(ME);
  xmpp.answer = () => buildStreamhostUsed('s1', 'evil.example');
  await assert.rejects(
    establishAsRequester({ xmpp, dial: async () => ({ stream: new PassThrough() }), target: TARGET, sid: 's1', streamhosts: [PROXY], answerTimeoutMs: 1000, connectTimeoutMs: 1000 }),
    (e: Xep65Error) => e.code === 'protocol',
  );
});

// The receiver's IBB session as an IQ transcript (XEP-0047 §2): open only for an accepted offer,
// data in sequence into the stream, out-of-sequence data ends it, close ends it cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import type { Element } from '@xmpp/xml';
import { serveIbbReceiver } from '../../../src/session/bytestream/ibb-receiver.js';
import { buildIbbClose, buildIbbData, buildIbbOpen } from '../../../src/stanzas/ibb.js';
import { parseErrorElement } from '../../../src/stanzas/stanza-error.js';
import { FakeXmpp } from '../../helpers/fake-xmpp.js';

const PEER = 'alice@example.test/x';

function setup() {
  const xmpp = new FakeXmpp('bob@example.test/xep65');
  const streams: Duplex[] = [];
  const target = serveIbbReceiver(xmpp, () => undefined);
  void target.expect(PEER, 's1').opened.then((stream) => streams.push(stream));
  return { xmpp, streams, target };
}

const condition = (answer: unknown) => parseErrorElement(answer as Element).condition;

test('open, data in sequence, close: the bytes come out of the stream in order', async () => {
  const { xmpp, streams, target } = setup();
  assert.equal(await xmpp.receive('set', PEER, buildIbbOpen('s1', 4096)), true);
  const chunks: Buffer[] = [];
  streams[0]!.on('data', (c: Buffer) => chunks.push(c));
  assert.equal(await xmpp.receive('set', PEER, buildIbbData('s1', 0, Buffer.from('abc'))), true);
  assert.equal(await xmpp.receive('set', PEER, buildIbbData('s1', 1, Buffer.from('def'))), true);
  const drained = target.drain(1000);
  assert.equal(await xmpp.receive('set', PEER, buildIbbClose('s1')), true);
  await drained;
  assert.equal(Buffer.concat(chunks).toString(), 'abcdef');
});

test('an open for a stream we did not accept: not-acceptable; data for none: item-not-found', async () => {
  const { xmpp } = setup();
  assert.equal(condition(await xmpp.receive('set', PEER, buildIbbOpen('other', 4096))), 'not-acceptable');
  assert.equal(condition(await xmpp.receive('set', PEER, buildIbbData('other', 0, Buffer.from('x')))), 'item-not-found');
});

test('out-of-sequence data ends the stream with an error (§2.2)', async () => {
  const { xmpp, streams } = setup();
  await xmpp.receive('set', PEER, buildIbbOpen('s1', 4096));
  const failed = new Promise<Error>((resolve) => streams[0]!.on('error', resolve));
  assert.equal(condition(await xmpp.receive('set', PEER, buildIbbData('s1', 1, Buffer.from('x')))), 'unexpected-request');
  assert.match((await failed).message, /out of sequence/);
});

test('expect() takes one <open/>: a second open for the same sid, or one after cancel(), is not-acceptable (W1: no SI types here)', async () => {
  const { xmpp, target } = setup();
  assert.equal(await xmpp.receive('set', PEER, buildIbbOpen('s1', 4096)), true);
  assert.equal(condition(await xmpp.receive('set', PEER, buildIbbOpen('s1', 4096))), 'not-acceptable');
  const later = target.expect(PEER, 's2');
  assert.equal(later.cancel(), true, 'withdrawn before it opened');
  assert.equal(condition(await xmpp.receive('set', PEER, buildIbbOpen('s2', 4096))), 'not-acceptable');
  const other = target.expect(PEER, 's3');
  assert.equal(condition(await xmpp.receive('set', 'mallory@example.test/x', buildIbbOpen('s3', 4096))), 'not-acceptable', 'another sender cannot take it');
  assert.equal(await xmpp.receive('set', PEER, buildIbbOpen('s3', 4096)), true);
  assert.equal(other.cancel(), false, 'already opened: cancel() says so');
  assert.ok((await other.opened).readable);
});

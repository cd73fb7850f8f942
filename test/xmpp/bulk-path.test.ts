// The XMPP connection's bulk path (issue 13, IBB): reads reach the parser cut after markup
// (entity.ts textRuns), writes are padded to whole 4096-byte TLS records while bulk data flows
// (record-alignment.ts), and many IQs waiting on one signal share one abort listener
// (iq-requests.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import xml, { type Element } from '@xmpp/xml';
import type { Middleware } from '@xmpp/middleware';
import { textRuns } from '../../src/xmpp/entity.js';
import { alignRecords, TLS_RECORD_BYTES } from '../../src/xmpp/record-alignment.js';
import { createIqRequester } from '../../src/xmpp/iq-requests.js';
import { Xep65Error } from '../../src/errors.js';

test('textRuns: text without markup is held until markup follows; a stanza end is never held', () => {
  const out: string[] = [];
  const feed = textRuns((s) => out.push(s));
  feed("<iq id='1'><data>");
  feed('AAAA');
  feed('BBBB');
  assert.deepEqual(out, ["<iq id='1'><data>"], 'the text run waits');
  feed('CC</data></iq>');
  assert.deepEqual(out, ["<iq id='1'><data>", 'AAAABBBBCC</data></iq>']);
  feed('<presence/> ');
  assert.equal(out.at(-1), '<presence/>', 'complete at once; the whitespace after it held');
  feed('<r');
  assert.equal(out.at(-1), ' <', 'held text goes with the next markup; a tag split at its name is passed on up to its "<"');
  feed('/>');
  assert.equal(out.at(-1), 'r/>');
});

test('textRuns: a text run past 1 MiB without markup is passed on (bounded memory)', () => {
  const out: string[] = [];
  const feed = textRuns((s) => out.push(s));
  const chunk = 'A'.repeat(64 * 1024);
  for (let i = 0; i < 16; i++) feed(chunk);
  assert.deepEqual(out, [], '1 MiB is held');
  feed(chunk);
  assert.deepEqual((out as string[]).map((s) => s.length), [17 * chunk.length], 'past it, everything goes on');
});

function fakeTls() {
  const writes: string[] = [];
  let fragment = 0;
  const wrapper = {
    socket: { setMaxSendFragment: (n: number) => ((fragment = n), true) } as unknown as import('node:tls').TLSSocket,
    write: (data: string) => void writes.push(data),
  };
  return { wrapper, writes, fragment: () => fragment };
}

test('alignRecords: 4096-byte records; writes padded with spaces to whole records only while held', () => {
  const t = fakeTls();
  const alignment = alignRecords(t.wrapper);
  assert.equal(t.fragment(), TLS_RECORD_BYTES);
  t.wrapper.write('<a/>');
  assert.equal(t.writes.at(-1), '<a/>', 'not held: as it is');
  const release1 = alignment.hold();
  const release2 = alignment.hold();
  const stanza = `<iq>${'é'.repeat(5000)}</iq>`; // bytes, not characters, count
  t.wrapper.write(stanza);
  const padded = t.writes.at(-1)!;
  assert.equal(Buffer.byteLength(padded) % TLS_RECORD_BYTES, 0);
  assert.ok(padded.startsWith(stanza) && /^ +$/.test(padded.slice(stanza.length)));
  release1();
  release1(); // twice is once
  t.wrapper.write('<b/>');
  assert.equal(Buffer.byteLength(t.writes.at(-1)!), TLS_RECORD_BYTES, 'still held by the other');
  release2();
  t.wrapper.write('<c/>');
  assert.equal(t.writes.at(-1), '<c/>');
});

function requester() {
  let handler: ((ctx: { stanza: Element }, next: () => unknown) => unknown) | undefined;
  const middleware = { use: (fn: typeof handler) => void (handler = fn) } as unknown as Middleware;
  const sent: Element[] = [];
  const r = createIqRequester(middleware, async (s) => void sent.push(s), () => ({ bare: 'me@example.test', domain: 'example.test' }));
  const answer = (iq: Element) => handler!({ stanza: xml('iq', { type: 'result', id: iq.attrs.id, from: iq.attrs.to }) }, () => undefined);
  return { r, sent, answer };
}

test('iq requests: 50 waiting on one signal hold one abort listener; answered, none is left', async () => {
  const { r, sent, answer } = requester();
  const controller = new AbortController();
  const pending = Array.from({ length: 50 }, () => r.request('set', 'peer@example.test/r', xml('x'), 10_000, controller.signal));
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  sent.forEach(answer);
  await Promise.all(pending);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('iq requests: an abort rejects every request waiting on the signal, as aborted', async () => {
  const { r } = requester();
  const controller = new AbortController();
  const pending = Array.from({ length: 20 }, () => r.request('get', 'peer@example.test/r', xml('x'), 10_000, controller.signal));
  controller.abort();
  const results = await Promise.allSettled(pending);
  assert.ok(results.every((x) => x.status === 'rejected' && x.reason instanceof Xep65Error && x.reason.code === 'aborted'));
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('ackNudge: a space after data we did not answer by the next turn; none when we wrote, none while disabled', async () => {
  const { ackNudge } = await import('../../src/xmpp/ack-nudge.js');
  let spaces = 0;
  const nudge = ackNudge(() => void spaces++);
  const turn = () => new Promise((r) => setImmediate(r));
  nudge.received();
  await turn();
  assert.equal(spaces, 0, 'disabled (a stream restart may come)');
  nudge.enable();
  nudge.received();
  nudge.received(); // one burst, one space
  await turn();
  assert.equal(spaces, 1);
  nudge.received();
  nudge.wrote(); // our answer carries the ACK
  await turn();
  assert.equal(spaces, 1);
  nudge.disable();
  nudge.received();
  await turn();
  assert.equal(spaces, 1);
});

test('fixUtf8Decoding: text held for one stream never reaches the parser of the restarted one', async () => {
  const { fixUtf8Decoding } = await import('../../src/xmpp/entity.js');
  const seen: Array<[string, string]> = [];
  const parser = (name: string) => ({ write: (s: string) => void seen.push([name, s]) });
  const entity = { parser: parser('old') as { write(s: string): void } | null, _onData: (_: Buffer) => {} };
  fixUtf8Decoding(entity);
  entity._onData(Buffer.from('<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>\n'));
  entity.parser = parser('new'); // xmpp.js restarts the stream after <success/>
  entity._onData(Buffer.from("<?xml version='1.0'?><stream:stream>"));
  assert.deepEqual(seen, [
    ['old', '<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl"/>'],
    ['new', "<?xml version='1.0'?><stream:stream>"],
  ]);
});

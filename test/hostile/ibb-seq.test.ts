// Hostile IBB packets against the receiver's IBB side and the file it writes (XEP-0047 §2.2;
// session/ibb-target.ts feeding transport/receive-file.ts), as an IQ transcript: reaching the
// 16-bit seq wrap takes 65,536 packets, too many to send through a server in a quick test.
// Checks: the wrap after 65535 is 0 and nothing else; a bad packet ends the stream at once; a
// bad packet right after the last one does not crash the receiver; never a partial final file,
// never a .part left.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import xml, { type Element } from '@xmpp/xml';
import { serveIbbReceiver } from '../../src/session/bytestream/ibb-receiver.js';
import { receiveFile } from '../../src/transport/receive-file.js';
import { buildIbbClose, buildIbbData, buildIbbOpen } from '../../src/stanzas/ibb.js';
import { parseErrorElement } from '../../src/stanzas/stanza-error.js';
import { NS_IBB } from '../../src/stanzas/ns.js';
import { Xep65Error } from '../../src/errors.js';
import { FakeXmpp } from '../helpers/fake-xmpp.js';
import { watchUnhandled } from '../helpers/hostile-socks5.js';

const PEER = 'mallory@example.test/x';
let work: string;
let cases = 0;
const unhandled = watchUnhandled();

before(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'xep65-hostile-ibb-'));
});
after(async () => {
  unhandled.stop();
  await rm(work, { recursive: true, force: true });
});
afterEach(() => unhandled.check());

/** One accepted IBB offer of `size` bytes, opened with `blockSize`; `saved` settles as receive-file does. */
async function opened(size: number, blockSize: number, opts: { waitForPart?: boolean; idleTimeoutMs?: number } = {}) {
  const dir = path.join(work, `case-${++cases}`);
  await (await import('node:fs/promises')).mkdir(dir);
  const xmpp = new FakeXmpp('bob@example.test/xep65');
  let saved!: Promise<{ path: string; bytes: number }>;
  const opening = serveIbbReceiver(xmpp, () => undefined).expect(PEER, 's1').opened;
  const started = opening.then((stream: Duplex) => {
    saved = receiveFile({ stream: stream }, { dir, name: 'f.bin', size, overwrite: false, idleTimeoutMs: opts.idleTimeoutMs ?? 60_000, endGraceMs: 200 });
  });
  assert.equal(await xmpp.receive('set', PEER, buildIbbOpen('s1', blockSize)), true);
  await started;
  if (opts.waitForPart !== false) await partFileIn(dir);
  const send = async (el: Element): Promise<true | string> => {
    const answer = await xmpp.receive('set', PEER, el);
    return answer === true ? true : parseErrorElement(answer as Element).condition;
  };
  return { dir, send, saved: () => saved };
}

/** The receiver is reading once its part file exists (receive-file creates it, then reads). */
async function partFileIn(dir: string): Promise<void> {
  while (!(await readdir(dir)).some((f) => f.endsWith('.part'))) await sleep(2);
  await sleep(2);
}

test('the seq wraps from 65535 to 0 (§2.2): 65,538 one-byte packets arrive intact', async () => {
  const content = randomBytes(65_538);
  const { dir, send, saved } = await opened(content.length, 1);
  for (let i = 0; i < content.length; i++) assert.equal(await send(buildIbbData('s1', i & 0xffff, content.subarray(i, i + 1))), true);
  await send(buildIbbClose('s1'));
  const result = await saved();
  assert.equal(result.bytes, content.length);
  assert.ok((await readFile(result.path)).equals(content));
  assert.deepEqual(await readdir(dir), ['f.bin']);
});

for (const [label, next, condition, message] of [
  ['65536 after 65535 (no wrap)', '65536', 'bad-request', /IBB packet without a valid seq/],
  ['1 after 65535 (a gap at the wrap)', '1', 'unexpected-request', /IBB packet 1 out of sequence \(expected 0\)/],
] as const) {
  test(`a wrong wrap, ${label}: the stream ends, nothing is saved, no .part left`, async () => {
    const { dir, send, saved } = await opened(70_000, 1);
    for (let i = 0; i <= 0xffff; i++) await send(buildIbbData('s1', i, Buffer.from([i & 0xff])));
    assert.equal(await send(xml('data', { xmlns: NS_IBB, sid: 's1', seq: next }, 'AA==')), condition);
    await assert.rejects(saved(), (e: Xep65Error) => e.code === 'stream-broken' && message.test(e.message));
    assert.deepEqual(await readdir(dir), []);
  });
}

test('bad base64 ends the stream at once, not after the idle timeout (§2.2, §7): nothing saved, no .part', { timeout: 5000 }, async () => {
  const { dir, send, saved } = await opened(100, 4096);
  assert.equal(await send(buildIbbData('s1', 0, randomBytes(10))), true);
  assert.equal(await send(xml('data', { xmlns: NS_IBB, sid: 's1', seq: '1' }, 'BBBB=CCC')), 'bad-request');
  await assert.rejects(saved(), /IBB packet 1 is not valid base64/);
  assert.deepEqual(await readdir(dir), []);
  assert.equal(await send(buildIbbData('s1', 2, randomBytes(10))), 'item-not-found', 'nothing after it is used');
});

test('a bad packet sent right behind the last one does not crash the receiver; no partial file, no .part', async () => {
  for (const bad of [buildIbbData('s1', 5, Buffer.from('x')), xml('data', { xmlns: NS_IBB, sid: 's1', seq: '1' }, '!!!!')]) {
    const content = randomBytes(3);
    const { dir, send, saved } = await opened(content.length, 4096);
    const [last, late] = await Promise.all([send(buildIbbData('s1', 0, content)), send(bad)]);
    assert.equal(last, true);
    assert.notEqual(late, true);
    const outcome = await saved().then(
      (r) => r.path,
      (e: Error) => e,
    );
    await new Promise((r) => setImmediate(r));
    const files = await readdir(dir);
    if (typeof outcome === 'string') assert.ok((await readFile(outcome)).equals(content), 'a saved file is complete');
    else assert.deepEqual(files, [], `failed (${outcome.message}): nothing left`);
    assert.deepEqual(files.filter((f) => f.endsWith('.part')), []);
  }
});

test('a bad packet right after <open/>, before the receiver reads, fails the transfer at once with its reason',
  async () => {
    const { dir, send, saved } = await opened(100, 4096, { waitForPart: false, idleTimeoutMs: 2000 });
    assert.equal(await send(buildIbbData('s1', 7, Buffer.from('x'))), 'unexpected-request');
    await assert.rejects(saved(), /IBB packet 7 out of sequence/);
    assert.deepEqual(await readdir(dir), []);
  });

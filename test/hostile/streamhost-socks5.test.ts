// Hostile SOCKS5 peers against our own streamhost (XEP-0065 §5; transport/streamhost-listener.ts,
// socks5-server.ts). For every case: the hostile connection is refused or closed within a bound,
// never gets a success reply, does not use up the expected DST.ADDR, and the real target then
// connects and gets the right bytes; nothing goes unhandled; a flood leaves memory bounded.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { listenStreamhost } from '../../src/transport/streamhost-listener.js';
import type { StreamhostListenerPort } from '../../src/session/ports.js';
import { dialSocks5 } from '../../src/transport/socks5-client.js';
import { REP_NOT_ALLOWED } from '../../src/socks5/codec.js';
import {
  GREETING,
  allClosed,
  checkAnswer,
  connectRequest,
  flood,
  hostileCases,
  memoryMb,
  randomHash,
  rawPeer,
  readAll,
  replyCode,
  runHostile,
  sha256,
  watchUnhandled,
} from '../helpers/hostile-socks5.js';

const HASH = randomHash();
const HANDSHAKE_MS = 1000;
/** How long a hostile connection may stay open: the handshake deadline plus a generous margin. */
const BOUND_MS = HANDSHAKE_MS + 4000;
const PAYLOAD = randomBytes(256 * 1024);

describe('hostile SOCKS5 peers against our streamhost', () => {
  let listener: StreamhostListenerPort;
  const unhandled = watchUnhandled();

  before(async () => {
    listener = await listenStreamhost({ port: 0, bindHost: '127.0.0.1', handshakeTimeoutMs: HANDSHAKE_MS });
    // An offer always has something expected while strangers knock; keep one waiter for the whole file.
    listener.expect(randomHash()).catch(() => undefined);
  });
  after(async () => {
    await listener.close();
    unhandled.stop();
  });
  afterEach(() => unhandled.check());

  /** The real target: dials with the expected DST.ADDR and must get PAYLOAD intact. */
  async function realTarget(accepted: Promise<Duplex>, dst = HASH): Promise<void> {
    const target = (await dialSocks5({ host: '127.0.0.1', port: listener.port, dstAddr: dst, timeoutMs: 3000 })).stream;
    const requesterSide = await accepted;
    const got = readAll(target);
    requesterSide.end(PAYLOAD);
    assert.equal(sha256(await got), sha256(PAYLOAD), 'the real target got the right bytes');
    requesterSide.destroy();
  }

  for (const c of hostileCases(() => HASH)) {
    test(`${c.name}: ${c.deadline ? 'closed at the handshake deadline' : 'refused'}, and the real target still gets its bytes`, async () => {
      const accepted = listener.expect(HASH);
      const { bytes } = await runHostile(listener.port, c, BOUND_MS);
      assert.equal(checkAnswer(c, bytes), undefined);
      await realTarget(accepted);
    });
  }

  test('the same hostile cases all at once, while the real target connects', async () => {
    const accepted = listener.expect(HASH);
    const cases = hostileCases(() => HASH).filter((c) => !c.deadline);
    const hostile = Promise.all(cases.map((c) => runHostile(listener.port, c, BOUND_MS)));
    await realTarget(accepted);
    const answers = await hostile;
    cases.forEach((c, i) => assert.equal(checkAnswer(c, answers[i]!.bytes), undefined, c.name));
  });

  test('a greeting and a request each split byte by byte are a valid handshake: the target gets its bytes', async () => {
    const accepted = listener.expect(HASH);
    const peer = await rawPeer(listener.port);
    await peer.drip(GREETING, 5);
    assert.deepEqual([...(await peer.waitBytes(2))], [5, 0]);
    await peer.drip(connectRequest(HASH), 2);
    const reply = await peer.waitBytes(2 + 47);
    assert.equal(replyCode(reply), 0);
    assert.equal(reply.subarray(7, 47).toString('latin1'), HASH, 'BND.ADDR echoes DST.ADDR (§5.3.2)');
    const requesterSide = await accepted;
    requesterSide.end(PAYLOAD);
    await peer.closedBy(BOUND_MS);
    assert.equal(sha256(peer.bytes().subarray(2 + 47)), sha256(PAYLOAD));
  });

  test('greeting and request pipelined in one write, with trailing bytes: accepted, and the trailing bytes are the stream\'s first', async () => {
    const accepted = listener.expect(HASH);
    const peer = await rawPeer(listener.port);
    await peer.write(Buffer.concat([GREETING, connectRequest(HASH), Buffer.from('trailing bytes')]));
    const requesterSide = await accepted;
    const fromTarget = new Promise<Buffer>((resolve) => requesterSide.once('data', resolve).resume());
    assert.equal(String(await fromTarget), 'trailing bytes');
    requesterSide.end(PAYLOAD);
    await peer.closedBy(BOUND_MS);
    assert.equal(replyCode(peer.bytes()), 0);
    assert.equal(sha256(peer.bytes().subarray(2 + 47)), sha256(PAYLOAD));
  });

  test('a second connection claiming an already used DST.ADDR is refused; the first stream is unharmed', async () => {
    const accepted = listener.expect(HASH);
    const target = (await dialSocks5({ host: '127.0.0.1', port: listener.port, dstAddr: HASH, timeoutMs: 3000 })).stream;
    const requesterSide = await accepted;
    const got = readAll(target);
    requesterSide.write(PAYLOAD.subarray(0, 1000));
    const second = await runHostile(listener.port, { name: 'again', greeting: GREETING, request: connectRequest(HASH), expect: { method: 0, reply: REP_NOT_ALLOWED } }, BOUND_MS);
    assert.equal(replyCode(second.bytes), REP_NOT_ALLOWED);
    requesterSide.end(PAYLOAD.subarray(1000));
    assert.equal(sha256(await got), sha256(PAYLOAD));
  });

  test('two connections racing with the same DST.ADDR: exactly one is taken', async () => {
    const accepted = listener.expect(HASH);
    const peers = await Promise.all([rawPeer(listener.port), rawPeer(listener.port)]);
    await Promise.all(peers.map((p) => p.write(GREETING)));
    await Promise.all(peers.map((p) => p.waitBytes(2)));
    await Promise.all(peers.map((p) => p.write(connectRequest(HASH))));
    const replies = await Promise.all(peers.map((p) => p.waitBytes(4)));
    assert.deepEqual(replies.map(replyCode).sort(), [0, REP_NOT_ALLOWED]);
    (await accepted).destroy();
    for (const p of peers) p.destroy();
  });

  test('a flood of 1000 connections (silent, garbage, half handshakes): all closed, memory bounded, the real target gets its bytes', async () => {
    const accepted = listener.expect(HASH);
    const before = memoryMb();
    const sockets = [
      ...(await flood(listener.port, 400)),
      ...(await flood(listener.port, 300, { send: randomBytes(512) })),
      ...(await flood(listener.port, 300, { send: GREETING })),
    ];
    const during = memoryMb();
    await realTarget(accepted);
    await allClosed(sockets, BOUND_MS);
    const afterFlood = memoryMb();
    // Generous caps: the flood's own client sockets live in this process too.
    assert.ok(during.heap - before.heap < 64, `heap grew ${(during.heap - before.heap).toFixed(1)} MB during the flood`);
    assert.ok(afterFlood.rss - before.rss < 200, `RSS grew ${(afterFlood.rss - before.rss).toFixed(1)} MB`);
  });

  test('a refused peer that sends 32 MB right after its request: dropped, nothing kept, the real target still gets its bytes', async () => {
    const accepted = listener.expect(HASH);
    const peer = await rawPeer(listener.port);
    await peer.write(GREETING);
    await peer.waitBytes(2);
    const before = memoryMb();
    void peer.write(Buffer.concat([connectRequest(randomHash()), randomBytes(32 << 20)]));
    const { bytes } = await peer.closedBy(BOUND_MS);
    assert.equal(replyCode(bytes), REP_NOT_ALLOWED);
    assert.ok(memoryMb().heap - before.heap < 64, 'the bytes after the refused request were not kept');
    peer.destroy();
    await realTarget(accepted);
  });
});

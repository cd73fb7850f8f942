// Hostile SOCKS5 peers against our proxy (XEP-0065 §6, §9.1, §9.2, §11.3; transport/proxy-relay.ts
// with session/proxy-service.ts answering activations as the component would). For every case:
// the hostile connection is refused or closed within a bound and logged once, the real pair
// (target, then requester) is still activated and relayed with the right bytes, activation works
// only for the pair whose DST.ADDR the requester's sid, JID and target give, nothing goes
// unhandled, and a flood leaves memory bounded.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Element } from '@xmpp/xml';
import type net from 'node:net';
import { listenProxyRelay, type ProxyRelay } from '../../src/transport/proxy-relay.js';
import { serveProxy } from '../../src/session/proxy-service.js';
import { dialSocks5 } from '../../src/transport/socks5-client.js';
import { dstAddr } from '../../src/socks5/dst-addr.js';
import { buildActivate } from '../../src/stanzas/bytestreams.js';
import { parseErrorElement } from '../../src/stanzas/stanza-error.js';
import { REP_NOT_ALLOWED } from '../../src/socks5/codec.js';
import { FakeXmpp } from '../helpers/fake-xmpp.js';
import {
  GREETING,
  allClosed,
  checkAnswer,
  connectRequest,
  flood,
  hostileCases,
  memoryMb,
  rawPeer,
  readAll,
  replyCode,
  runHostile,
  sha256,
  watchUnhandled,
} from '../helpers/hostile-socks5.js';

const PROXY = 'proxy.example.test';
const REQUESTER = 'alice@example.test/laptop';
const TARGET = 'bob@example.test/xep65';
const MALLORY = 'mallory@example.test/x';
const HANDSHAKE_MS = 1000;
const BOUND_MS = HANDSHAKE_MS + 4000;
const ACTIVATION_MS = 1500;
const MAX_PER_ADDRESS = 40;
const PAYLOAD = randomBytes(256 * 1024);

describe('hostile SOCKS5 peers against our proxy', () => {
  let relay: ProxyRelay;
  const xmpp = new FakeXmpp(PROXY, 'example.test');
  const refused: string[] = [];
  const expired: string[] = [];
  const unhandled = watchUnhandled();
  let sids = 0;

  before(async () => {
    relay = await listenProxyRelay({
      port: 0,
      bindHost: '127.0.0.1',
      handshakeTimeoutMs: HANDSHAKE_MS,
      activationTimeoutMs: ACTIVATION_MS,
      maxConnections: 400,
      maxPerAddress: MAX_PER_ADDRESS,
      maxActive: 20,
      onStreamClosed: () => undefined,
      onConnectionRefused: (_peer, reason) => refused.push(reason),
      onConnectionExpired: (_peer, dst) => expired.push(dst),
    });
    serveProxy(xmpp, { host: '127.0.0.1', port: relay.port, isAllowed: () => true, relay, onEvent: () => undefined });
  });
  after(async () => {
    await relay.close();
    unhandled.stop();
  });
  afterEach(() => unhandled.check());

  const newSid = () => `sid-${++sids}-${randomBytes(4).toString('hex')}`;
  const dial = (hash: string) => dialSocks5({ host: '127.0.0.1', port: relay.port, dstAddr: hash, timeoutMs: 3000 }).then((d) => d.stream);
  /** The requester's activation IQ, as it reaches the component: true for a result, else the error condition. */
  const activate = async (sid: string, from = REQUESTER, target = TARGET): Promise<true | string> => {
    const answer = await xmpp.receive('set', from, buildActivate(sid, target));
    return answer === true ? true : parseErrorElement(answer as Element).condition;
  };

  /** The real pair: the target is connected first; the requester connects, activates and sends PAYLOAD. */
  async function realPair(sid: string, target?: net.Socket): Promise<void> {
    const hash = dstAddr(sid, REQUESTER, TARGET);
    const t = target ?? (await dial(hash));
    const r = await dial(hash);
    assert.equal(await activate(sid), true);
    const got = readAll(t);
    r.end(PAYLOAD);
    assert.equal(sha256(await got), sha256(PAYLOAD), 'the target got the requester\'s bytes');
    r.destroy();
  }

  hostileCases(() => 'x').forEach((named, i) => {
    const outcome = named.proxyTakesIt ? 'taken as a new pair\'s target, expires unactivated' : named.deadline ? 'closed at the handshake deadline' : 'refused';
    test(`${named.name}: ${outcome} and logged once; the real pair is still relayed`, async () => {
      const sid = newSid();
      const hash = dstAddr(sid, REQUESTER, TARGET);
      const c = hostileCases(() => hash)[i]!;
      const target = await dial(hash); // the real target waits while the stranger knocks
      const logged = { refused: refused.length, expired: expired.length };
      const hostile = runHostile(relay.port, c, ACTIVATION_MS + BOUND_MS);
      if (c.proxyTakesIt) {
        await realPair(sid, target);
        const { bytes } = await hostile;
        assert.equal(replyCode(bytes), 0);
        assert.equal(expired.length - logged.expired, 1, 'it expired');
        assert.equal(refused.length, logged.refused);
        return;
      }
      const { bytes } = await hostile;
      assert.equal(checkAnswer(c, bytes), undefined);
      await sleep(20);
      assert.equal(refused.length - logged.refused, 1, `one refusal logged: ${refused.slice(logged.refused).join('; ')}`);
      await realPair(sid, target);
    });
  });

  test('a target and a requester that split greeting and request byte by byte are paired, activated and relayed', async () => {
    const sid = newSid();
    const hash = dstAddr(sid, REQUESTER, TARGET);
    const handshake = async () => {
      const peer = await rawPeer(relay.port);
      await peer.drip(GREETING, 3);
      await peer.waitBytes(2);
      await peer.drip(connectRequest(hash), 1);
      assert.equal(replyCode(await peer.waitBytes(2 + 47)), 0);
      return peer;
    };
    const t = await handshake();
    const r = await handshake();
    assert.equal(await activate(sid), true);
    await r.write(PAYLOAD);
    r.socket.end();
    await t.closedBy(BOUND_MS);
    assert.equal(sha256(t.bytes().subarray(2 + 47)), sha256(PAYLOAD));
  });

  test('a third connection with a DST.ADDR already paired is refused, before and after activation; the stream is unharmed', async () => {
    const sid = newSid();
    const hash = dstAddr(sid, REQUESTER, TARGET);
    const t = await dial(hash);
    const r = await dial(hash);
    const third = { name: 'third', greeting: GREETING, request: connectRequest(hash), expect: { method: 0, reply: REP_NOT_ALLOWED } };
    assert.equal(replyCode((await runHostile(relay.port, third, BOUND_MS)).bytes), REP_NOT_ALLOWED);
    assert.equal(await activate(sid), true);
    const got = readAll(t);
    r.write(PAYLOAD.subarray(0, 1000));
    assert.equal(replyCode((await runHostile(relay.port, third, BOUND_MS)).bytes), REP_NOT_ALLOWED);
    assert.equal(await activate(sid), 'conflict');
    r.end(PAYLOAD.subarray(1000));
    assert.equal(sha256(await got), sha256(PAYLOAD));
  });

  test('activation only for the matching pair: another requester, another target or another sid is item-not-found', async () => {
    const [a, b] = [newSid(), newSid()];
    const ta = await dial(dstAddr(a, REQUESTER, TARGET));
    const ra = await dial(dstAddr(a, REQUESTER, TARGET));
    const tb = await dial(dstAddr(b, REQUESTER, TARGET));
    const rb = await dial(dstAddr(b, REQUESTER, TARGET));
    await sleep(20);
    const waiting = relay.counters().waiting;
    assert.equal(await activate(a, MALLORY), 'item-not-found', 'the hash names the requester: another JID is not it');
    assert.equal(await activate(a, REQUESTER, `bob@example.test/other`), 'item-not-found');
    assert.equal(await activate(`${a}x`), 'item-not-found');
    assert.equal(relay.counters().waiting, waiting, 'nothing was activated by the refused requests');
    assert.equal(await activate(a), true);
    assert.equal(relay.counters().waiting, waiting - 2, 'only pair a was activated');
    const gotA = readAll(ta);
    ra.end(PAYLOAD);
    assert.equal(sha256(await gotA), sha256(PAYLOAD));
    let leaked = 0;
    tb.on('data', (d: Buffer) => (leaked += d.length));
    await sleep(20);
    assert.equal(leaked, 0, 'pair b saw none of pair a\'s bytes');
    assert.equal(await activate(b), true);
    const gotB = readAll(tb);
    rb.end('b only');
    assert.equal(String(await gotB), 'b only');
  });

  test('bytes a requester sends with its request and before activation are dropped (§9.1); the target gets only what follows', async () => {
    const sid = newSid();
    const hash = dstAddr(sid, REQUESTER, TARGET);
    const t = await dial(hash);
    const r = await rawPeer(relay.port);
    await r.write(GREETING);
    await r.waitBytes(2);
    await r.write(Buffer.concat([connectRequest(hash), Buffer.from('early bytes in the request\'s segment')]));
    assert.equal(replyCode(await r.waitBytes(2 + 47)), 0);
    await r.write('more early bytes');
    await sleep(30);
    assert.equal(await activate(sid), true);
    const got = readAll(t);
    await r.write(PAYLOAD);
    r.socket.end();
    assert.equal(sha256(await got), sha256(PAYLOAD));
  });

  test('activation with one party only is not-allowed; a stranger with another hash does not complete the pair', async () => {
    const sid = newSid();
    const hash = dstAddr(sid, REQUESTER, TARGET);
    const t = await dial(hash);
    const stranger = await dial(dstAddr(sid, MALLORY, TARGET));
    assert.equal(await activate(sid), 'not-allowed');
    stranger.destroy();
    await realPair(sid, t);
  });

  test('a flood from one address is cut at --max-per-address; another address\'s pair is relayed; memory bounded; all closed', async () => {
    const before = memoryMb();
    const logged = refused.length;
    const silent = await flood(relay.port, 300, { localAddress: '127.0.0.2' });
    const garbage = await flood(relay.port, 200, { localAddress: '127.0.0.3', send: randomBytes(300) });
    const waiting = await Promise.all(
      Array.from({ length: MAX_PER_ADDRESS }, async () => {
        const peer = await rawPeer(relay.port, { localAddress: '127.0.0.4' });
        await peer.write(GREETING);
        await peer.waitBytes(2);
        await peer.write(connectRequest(randomBytes(20).toString('hex')));
        return peer;
      }),
    );
    const during = memoryMb();
    await realPair(newSid());
    assert.ok(refused.length - logged >= 300 - MAX_PER_ADDRESS, `refused ${refused.length - logged}`);
    await allClosed([...silent, ...garbage], BOUND_MS);
    await Promise.all(waiting.map((p) => p.closedBy(ACTIVATION_MS + BOUND_MS)));
    assert.ok(expired.length >= MAX_PER_ADDRESS, 'the handshaked strangers expired without activation');
    assert.ok(during.heap - before.heap < 64, `heap grew ${(during.heap - before.heap).toFixed(1)} MB during the flood`);
    assert.ok(memoryMb().rss - before.rss < 200, 'RSS bounded');
    for (let i = 0; i < 50 && relay.counters().connections > 0; i++) await sleep(20);
    assert.equal(relay.counters().connections, 0);
  });
});

// The SOCKS5 side of our proxy (XEP-0065 §6.3.2-§6.3.5, §9.1, §9.2, §11.3): pairing by DST.ADDR,
// what it refuses, the activation outcomes, bytes before activation, timeouts and limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { listenProxyRelay, type ProxyRelayOptions, type StreamRecord } from '../../src/transport/proxy-relay.js';
import { dialSocks5 } from '../../src/transport/socks5-client.js';
import { CMD_CONNECT, encodeGreeting, encodeRequest, METHOD_NO_AUTH, REP_NOT_ALLOWED, REP_SUCCEEDED } from '../../src/socks5/codec.js';

const HASH = 'c'.repeat(40);
const request = (dstAddr = HASH) => ({ dstAddr, sid: 's1', requester: 'alice@example.org/a', target: 'bob@example.org/b' });

async function withRelay(opts: Partial<ProxyRelayOptions>, fn: (r: Awaited<ReturnType<typeof listenProxyRelay>>, log: Log) => Promise<void>) {
  const log: Log = { closed: [], refused: [], expired: [] };
  const relay = await listenProxyRelay({
    port: 0,
    bindHost: '127.0.0.1',
    handshakeTimeoutMs: 2000,
    activationTimeoutMs: 5000,
    maxConnections: 100,
    maxPerAddress: 100,
    maxActive: 10,
    onStreamClosed: (r) => log.closed.push(r),
    onConnectionRefused: (_peer, reason) => log.refused.push(reason),
    onConnectionExpired: (_peer, dst) => log.expired.push(dst),
    ...opts,
  });
  try {
    await fn(relay, log);
  } finally {
    await relay.close();
  }
}

interface Log {
  closed: StreamRecord[];
  refused: string[];
  expired: string[];
}

const dial = (port: number, dstAddr = HASH) => dialSocks5({ host: '127.0.0.1', port, dstAddr, timeoutMs: 2000 }).then((d) => d.stream);

/** A raw SOCKS5 CONNECT with any address and port; resolves with the reply code. */
async function rawConnect(port: number, host: string, dstPort: number): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(encodeGreeting([METHOD_NO_AUTH]));
  await once(socket, 'data');
  socket.write(encodeRequest(CMD_CONNECT, host, dstPort));
  const [reply] = (await once(socket, 'data')) as [Buffer];
  socket.destroy();
  return reply[1]!;
}

async function readAll(socket: net.Socket): Promise<string> {
  let text = '';
  for await (const chunk of socket) text += String(chunk);
  return text;
}

test('target then requester with one DST.ADDR are relayed after activation; earlier bytes are dropped (§9.1)', async () => {
  await withRelay({}, async (relay, log) => {
    const target = await dial(relay.port);
    const requester = await dial(relay.port);
    requester.write('before activation ');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(relay.counters().waiting, 2);
    assert.equal(relay.activate(request()), 'activated');
    assert.equal(relay.activate(request()), 'already-active');
    const received = readAll(target);
    const back = readAll(requester);
    target.write('hello requester');
    requester.end('file bytes');
    assert.equal(await received, 'file bytes');
    assert.equal(await back, 'hello requester');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(log.closed.length, 1);
    assert.deepEqual([log.closed[0]!.bytes, log.closed[0]!.bytesBack, log.closed[0]!.reason], [10, 15, 'end']);
    const c = relay.counters();
    assert.deepEqual([c.connections, c.active, c.activated, c.completed, c.bytesRelayed], [0, 0, 1, 1, 25]);
  });
});

test('activation outcomes: unknown hash, only one party connected (§6.3.5)', async () => {
  await withRelay({}, async (relay) => {
    assert.equal(relay.activate(request()), 'unknown');
    const target = await dial(relay.port);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(relay.activate(request()), 'one-party');
    assert.equal(relay.activate(request('d'.repeat(40))), 'unknown');
    target.destroy();
  });
});

test('a third connection for a DST.ADDR, a malformed DST.ADDR and a port other than 0 are refused (§9.2)', async () => {
  await withRelay({}, async (relay, log) => {
    const a = await dial(relay.port);
    const b = await dial(relay.port);
    await assert.rejects(dial(relay.port), /connection not allowed by ruleset/);
    assert.equal(await rawConnect(relay.port, 'not-a-hash', 0), REP_NOT_ALLOWED);
    assert.equal(await rawConnect(relay.port, HASH.toUpperCase(), 0), REP_NOT_ALLOWED);
    assert.equal(await rawConnect(relay.port, 'e'.repeat(40), 80), REP_NOT_ALLOWED);
    assert.equal(await rawConnect(relay.port, 'e'.repeat(40), 0), REP_SUCCEEDED);
    assert.equal(log.refused.length, 4);
    assert.match(log.refused.join('\n'), /third connection[\s\S]*40 lowercase hex[\s\S]*DST.PORT is 80/);
    a.destroy();
    b.destroy();
  });
});

test('a connection not activated in time is closed; a waiting party that leaves is forgotten', async () => {
  await withRelay({ activationTimeoutMs: 300 }, async (relay, log) => {
    const target = await dial(relay.port);
    target.resume();
    const t0 = Date.now();
    await once(target, 'close');
    assert.ok(Date.now() - t0 >= 250, 'not before the timeout');
    assert.deepEqual(log.expired, [HASH]);
    const other = await dial(relay.port, 'f'.repeat(40));
    other.destroy();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(relay.activate(request('f'.repeat(40))), 'unknown');
    assert.equal(relay.counters().connections, 0);
  });
});

test('connections are limited per address and in total; the limit frees up when they close', async () => {
  await withRelay({ maxPerAddress: 2 }, async (relay, log) => {
    const a = await dial(relay.port, '1'.repeat(40));
    const b = await dial(relay.port, '2'.repeat(40));
    await assert.rejects(dial(relay.port, '3'.repeat(40)));
    assert.match(log.refused[0]!, /2 connections open from 127\.0\.0\.1/);
    a.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const c = await dial(relay.port, '3'.repeat(40));
    b.destroy();
    c.destroy();
  });
  await withRelay({ maxConnections: 1 }, async (relay, log) => {
    const a = await dial(relay.port, '1'.repeat(40));
    await assert.rejects(dial(relay.port, '2'.repeat(40)));
    assert.match(log.refused[0]!, /1 connections open/);
    a.destroy();
  });
});

test('active streams are limited: over the limit, activation answers limit', async () => {
  await withRelay({ maxActive: 1 }, async (relay) => {
    const sockets = [];
    for (const h of ['1', '1', '2', '2']) sockets.push(await dial(relay.port, h.repeat(40)));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(relay.activate(request('1'.repeat(40))), 'activated');
    assert.equal(relay.activate(request('2'.repeat(40))), 'limit');
    for (const s of sockets) s.destroy();
  });
});

test('close() ends relaying streams too', async () => {
  const log: StreamRecord[] = [];
  let closedTarget: Promise<unknown> | undefined;
  await withRelay({ onStreamClosed: (r) => log.push(r) }, async (relay) => {
    const target = await dial(relay.port);
    const requester = await dial(relay.port);
    await new Promise((r) => setTimeout(r, 20));
    relay.activate(request());
    target.resume().on('error', () => undefined);
    requester.on('error', () => undefined);
    closedTarget = once(target, 'close');
  });
  await closedTarget;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(log[0]?.reason, 'proxy shutting down');
});

test('silent connections from one address cannot hold it: under pressure, handshakes older than 1 s are dropped; a burst of fresh ones is not; no listener warning', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  const open = async (n: number) => {
    const opened: net.Socket[] = [];
    for (let i = 0; i < n; i++) {
      const s = net.connect(relayPort, '127.0.0.1');
      s.on('error', () => undefined);
      await once(s, 'connect');
      opened.push(s);
    }
    return opened;
  };
  let relayPort = 0;
  try {
    await withRelay({ maxPerAddress: 256, maxConnections: 300, handshakeTimeoutMs: 10_000 }, async (relay) => {
      relayPort = relay.port;
      const silent = await open(30);
      await new Promise((r) => setTimeout(r, 1_100));
      const fresh = await open(30);
      await new Promise((r) => setTimeout(r, 100));
      const gone = (list: net.Socket[]) => list.filter((s) => s.destroyed || s.readableEnded).length;
      assert.equal(gone(silent), 30, 'the old silent handshakes were dropped');
      assert.equal(gone(fresh), 0, 'a burst of fresh handshakes is not cut');
      const target = await dial(relay.port);
      const requester = await dial(relay.port);
      assert.equal(relay.activate(request()), 'activated');
      requester.end('through');
      assert.equal(await readAll(target), 'through');
      [...silent, ...fresh].forEach((s) => s.destroy());
    });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
  }
});

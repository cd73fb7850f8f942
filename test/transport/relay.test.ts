// The proxy's data path (XEP-0065 §6.3.5): both directions, every byte, backpressure, and both
// sides closed when one ends; through adopted sockets (1 MiB reads) and through plain pipes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { relay } from '../../src/transport/relay.js';

/** Two loopback connections: `inner` are the server-side sockets relay() gets, `outer` the clients. */
async function socketPairs(): Promise<{ inner: [net.Socket, net.Socket]; outer: [net.Socket, net.Socket]; server: net.Server }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const inner: net.Socket[] = [];
  server.on('connection', (s: net.Socket) => inner.push(s));
  const outer: net.Socket[] = [];
  for (let i = 0; i < 2; i++) {
    const c = net.connect(port, '127.0.0.1');
    await once(c, 'connect');
    outer.push(c);
    while (inner.length <= i) await new Promise((r) => setImmediate(r));
  }
  return { inner: inner as [net.Socket, net.Socket], outer: outer as [net.Socket, net.Socket], server };
}

async function drain(socket: net.Socket, delayMs = 0): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of socket) {
    hash.update(chunk as Buffer);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs)); // a slow reader: backpressure must hold
  }
  return hash.digest('hex');
}

for (const adopt of [true, false]) {
  test(`relays 24 MB one way to a slow reader and a reply the other way (${adopt ? 'adopted sockets' : 'pipes'})`, async () => {
    const { inner, outer, server } = await socketPairs();
    const data = randomBytes(24_000_000);
    let swapped = false;
    const done = relay(inner[0], inner[1], { adopt, onSockets: (a, b) => (swapped = a !== inner[0] && b !== inner[1]) });
    assert.equal(swapped, adopt, 'adopted sockets replace the originals');
    const received = drain(outer[1], 1);
    outer[1].write('ack');
    const back = drain(outer[0]);
    outer[0].end(data);
    const result = await done;
    assert.equal(await received, createHash('sha256').update(data).digest('hex'));
    assert.equal(await back, createHash('sha256').update('ack').digest('hex'));
    assert.deepEqual(result, { aToB: data.length, bToA: 3, reason: 'end' });
    server.close();
  });
}

test('a side that resets ends the relay and closes the other side', async () => {
  const { inner, outer, server } = await socketPairs();
  const done = relay(inner[0], inner[1]);
  outer[1].resume();
  const closed = once(outer[1], 'close');
  outer[0].write('partial');
  await new Promise((r) => setTimeout(r, 20));
  outer[0].resetAndDestroy();
  const result = await done;
  await closed;
  assert.equal(result.aToB, 7);
  assert.equal(result.reason, "the peer reset the connection");
  server.close();
});

test('aborting the signal closes both sides (proxy shutting down)', async () => {
  const { inner, outer, server } = await socketPairs();
  const ctl = new AbortController();
  const done = relay(inner[0], inner[1], { signal: ctl.signal });
  for (const o of outer) o.on('error', () => undefined).resume();
  ctl.abort();
  assert.equal((await done).reason, 'proxy shutting down');
  server.close();
});

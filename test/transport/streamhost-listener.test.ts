// Our streamhost (XEP-0065 §5) takes only the connection it expects: the registered DST.ADDR,
// once. Strangers, wrong hashes and a second connection for the same hash are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { listenStreamhost } from '../../src/transport/streamhost-listener.js';
import { dialSocks5 } from '../../src/transport/socks5-client.js';
import { Xep65Error } from '../../src/errors.js';

const HASH = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

test('the expected DST.ADDR is accepted once; its data flows; a second try is refused', async () => {
  const listener = await listenStreamhost({ port: 0, bindHost: '127.0.0.1', handshakeTimeoutMs: 2000 });
  try {
    const accepted = listener.expect(HASH);
    const client = (await dialSocks5({ host: '127.0.0.1', port: listener.port, dstAddr: HASH, timeoutMs: 2000 })).stream;
    const server = await accepted;
    client.end('payload');
    const chunks: Buffer[] = [];
    for await (const chunk of server) chunks.push(chunk as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'payload');
    listener.expect(OTHER).catch(() => undefined); // keep the listener open to connections
    await assert.rejects(dialSocks5({ host: '127.0.0.1', port: listener.port, dstAddr: HASH, timeoutMs: 2000 }), (e: Xep65Error) => e.code === 'no-streamhost');
  } finally {
    await listener.close();
  }
});

test('a wrong DST.ADDR is refused and the expected one still works afterwards', async () => {
  const listener = await listenStreamhost({ port: 0, bindHost: '127.0.0.1', handshakeTimeoutMs: 2000 });
  try {
    const accepted = listener.expect(HASH);
    await assert.rejects(dialSocks5({ host: '127.0.0.1', port: listener.port, dstAddr: OTHER, timeoutMs: 2000 }));
    const client = (await dialSocks5({ host: '127.0.0.1', port: listener.port, dstAddr: HASH, timeoutMs: 2000 })).stream;
    (await accepted).destroy();
    client.destroy();
  } finally {
    await listener.close();
  }
});

test('with nothing expected, connections are dropped at once', async () => {
  const listener = await listenStreamhost({ port: 0, bindHost: '127.0.0.1', handshakeTimeoutMs: 2000 });
  try {
    const socket = net.connect(listener.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.on('close', () => resolve()).on('error', () => undefined));
  } finally {
    await listener.close();
  }
});

test('close() rejects what is still expected', async () => {
  const listener = await listenStreamhost({ port: 0, bindHost: '127.0.0.1', handshakeTimeoutMs: 2000 });
  const pending = listener.expect(HASH);
  await listener.close();
  await assert.rejects(pending, (e: Xep65Error) => e.code === 'aborted');
});

// Issue 10 #7: sixteen silent connections used to hold every handshake slot for the whole
// timeout, and the real target was reset.
test('silent connections filling every handshake slot do not lock the expected target out', async () => {
  const listener = await listenStreamhost({ port: 0, bindHost: '127.0.0.1', handshakeTimeoutMs: 10_000 });
  const silent: net.Socket[] = [];
  try {
    const accepted = listener.expect(HASH);
    for (let i = 0; i < 40; i++) {
      const s = net.connect(listener.port, '127.0.0.1').on('error', () => undefined);
      silent.push(s);
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    }
    const client = (await dialSocks5({ host: '127.0.0.1', port: listener.port, dstAddr: HASH, timeoutMs: 2000 })).stream;
    (await accepted).destroy();
    client.destroy();
  } finally {
    for (const s of silent) s.destroy();
    await listener.close();
  }
});

test('a CONNECT whose DST.PORT is not 0 is refused (XEP-0065 §5.3.2)', async () => {
  const listener = await listenStreamhost({ port: 0, bindHost: '127.0.0.1', handshakeTimeoutMs: 2000 });
  try {
    const pending = listener.expect(HASH);
    pending.catch(() => undefined);
    const socket = net.connect(listener.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(Buffer.from([5, 1, 0]));
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.write(Buffer.concat([Buffer.from([5, 1, 0, 3, 40]), Buffer.from(HASH), Buffer.from([0x04, 0x38])]));
    const reply = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
    assert.equal(reply[0], 5);
    assert.notEqual(reply[1], 0, 'not a success reply');
    socket.destroy();
  } finally {
    await listener.close();
  }
});

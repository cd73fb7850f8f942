// The send data path over a loopback socket: bytes arrive complete and in order across the
// reused read-ahead buffers; a file shorter than offered, or a receiver that goes away, fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sendFile } from '../../src/transport/send-file.js';
import { Xep65Error } from '../../src/errors.js';

async function socketPair(): Promise<{ client: net.Socket; server: net.Socket; close(): void }> {
  const listener = net.createServer();
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => listener.once('connection', r));
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  const server = await accepted;
  return { client, server, close: () => listener.close() };
}

async function withFile(content: Buffer, fn: (file: string) => Promise<void>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'xep65-sf-'));
  try {
    const file = path.join(dir, 'f.bin');
    await writeFile(file, content);
    await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a file larger than the read-ahead buffers arrives byte for byte; the receiver closing ends it', () => {
  const content = randomBytes(9 * 1024 * 1024 + 12345);
  return withFile(content, async (file) => {
    const { client, server, close } = await socketPair();
    const received = createHash('sha256');
    let count = 0;
    server.on('data', (chunk: Buffer) => {
      received.update(chunk);
      count += chunk.length;
      if (count === content.length) server.end();
    });
    const progress: number[] = [];
    const sent = await sendFile(file, client, { size: content.length, closeTimeoutMs: 5000, onProgress: (b) => progress.push(b) });
    close();
    assert.equal(sent, content.length);
    assert.equal(received.digest('hex'), createHash('sha256').update(content).digest('hex'));
    assert.equal(progress.at(-1), content.length);
  });
});

test('only the offered size is sent even if the file grew', () =>
  withFile(randomBytes(1000), async (file) => {
    const { client, server, close } = await socketPair();
    let count = 0;
    server.on('data', (c: Buffer) => (count += c.length)).on('end', () => server.end());
    await sendFile(file, client, { size: 600, closeTimeoutMs: 5000 });
    close();
    assert.equal(count, 600);
  }));

test('a file shorter than offered is an io error, not a short transfer', () =>
  withFile(randomBytes(100), async (file) => {
    const { client, server, close } = await socketPair();
    server.allowHalfOpen = true; // it reads our FIN but never answers with its own
    server.resume();
    await assert.rejects(sendFile(file, client, { size: 5000, closeTimeoutMs: 1000 }), (e: Xep65Error) => e.code === 'io' && /changed while sending/.test(e.message));
    close();
  }));

test('a receiver that resets the connection: stream-broken', () =>
  withFile(randomBytes(20 * 1024 * 1024), async (file) => {
    const { client, server, close } = await socketPair();
    server.once('data', () => server.resetAndDestroy());
    await assert.rejects(sendFile(file, client, { size: 20 * 1024 * 1024, closeTimeoutMs: 1000 }), (e: Xep65Error) => e.code === 'stream-broken');
    close();
  }));

// Issue 10 #2: the sender said "Sent" when the receiver failed, because a reset after the last
// write was taken as the receiver's close. Only an orderly close (FIN) is a delivery now.
test('a receiver that reads everything and then resets: stream-broken, not delivered', () =>
  withFile(randomBytes(3 * 1024 * 1024), async (file) => {
    const { client, server, close } = await socketPair();
    let count = 0;
    server.on('data', (c: Buffer) => {
      count += c.length;
      if (count === 3 * 1024 * 1024) server.resetAndDestroy();
    });
    await assert.rejects(sendFile(file, client, { size: 3 * 1024 * 1024, closeTimeoutMs: 5000 }), (e: Xep65Error) => e.code === 'stream-broken' && /reset/.test(e.message));
    close();
  }));

test('a receiver that never closes: stream-broken after the close timeout, delivery not confirmed', () =>
  withFile(randomBytes(1000), async (file) => {
    const { client, server, close } = await socketPair();
    server.allowHalfOpen = true; // it reads our FIN but never answers with its own
    server.resume();
    await assert.rejects(sendFile(file, client, { size: 1000, closeTimeoutMs: 300 }), (e: Xep65Error) => e.code === 'stream-broken' && /not confirmed/.test(e.message));
    server.destroy();
    close();
  }));

test('the receiver failing on its side (no such directory; a full disk) reaches the sender as stream-broken', async () => {
  const { receiveFile, receiveToFd } = await import('../../src/transport/receive-file.js');
  const { openSync, closeSync } = await import('node:fs');
  const size = 4 * 1024 * 1024;
  await withFile(randomBytes(size), async (file) => {
    const common = { size, idleTimeoutMs: 5000, endGraceMs: 1000 };
    const one = await socketPair();
    const received = receiveFile({ stream: one.server }, { ...common, dir: '/nonexistent/xep65', name: 'f.bin', overwrite: false }).catch((e: Xep65Error) => e);
    await assert.rejects(sendFile(file, one.client, { size, closeTimeoutMs: 5000 }), (e: Xep65Error) => e.code === 'stream-broken');
    assert.equal(((await received) as Xep65Error).code, 'io');
    one.close();

    const full = openSync('/dev/full', 'w');
    const two = await socketPair();
    const written = receiveToFd({ stream: two.server }, full, common).catch((e: Xep65Error) => e);
    await assert.rejects(sendFile(file, two.client, { size, closeTimeoutMs: 5000 }), (e: Xep65Error) => e.code === 'stream-broken');
    const failure = (await written) as Xep65Error;
    assert.ok(failure.code === 'io' && /ENOSPC|no space/i.test(failure.message), failure.message);
    closeSync(full);
    two.close();
  });
});

// SOCKS5 handshake over real loopback sockets: client (XEP-0065 §5.3.2/§6.3.2, RFC 1928 §3-6) and
// our own streamhost's server side (§5.3.2, §10.1). No timed assertions beyond "it rejected".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { dialSocks5 } from '../../src/transport/socks5-client.js';
import { acceptSocks5 } from '../../src/transport/socks5-server.js';
import { ATYP_DOMAIN, CMD_CONNECT, CMD_UDP_ASSOCIATE, encodeGreeting, encodeReply, encodeRequest } from '../../src/socks5/codec.js';

const DST = '98b8d688d0f5d895fd41c5e7309a2e9e33ba32ff';
const SUCCESS = encodeReply(0, { atyp: ATYP_DOMAIN, host: DST, port: 0 });

interface Listening {
  port: number;
  close(): Promise<void>;
}

async function listen(onSocket: (socket: net.Socket) => void): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, 'close');
  };
  return { port: (server.address() as net.AddressInfo).port, close };
}

/** Every byte until the peer ends. The handshake leaves sockets paused, so resume explicitly (as pipe does). */
async function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.resume();
  await once(socket, 'end');
  return Buffer.concat(chunks);
}

async function connectRaw(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.setNoDelay(true);
  return socket;
}

function hasCode(code: string, message?: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof Error);
    assert.equal((err as { code?: string }).code, code);
    if (message) assert.match(err.message, message);
    return true;
  };
}

test('client and server complete the handshake and then carry data both ways', async () => {
  let accepted!: Promise<{ socket: net.Socket; dst: string }>;
  const server = await listen((socket) => {
    accepted = acceptSocks5(socket, { onConnect: (dst) => dst === DST, timeoutMs: 2000 }).then((dst) => ({ socket, dst }));
  });
  try {
    const client = (await dialSocks5({ host: '127.0.0.1', port: server.port, dstAddr: DST, timeoutMs: 2000 })).stream;
    const { socket, dst } = await accepted;
    assert.equal(dst, DST);
    socket.end('from streamhost');
    client.end('from target');
    const [atClient, atServer] = await Promise.all([readAll(client), readAll(socket)]);
    assert.equal(atClient.toString(), 'from streamhost');
    assert.equal(atServer.toString(), 'from target');
    client.destroy();
  } finally {
    await server.close();
  }
});

test('client writes each message alone and sees data sent in the same write as the reply first', async () => {
  const fileData = Buffer.from('first bytes of the file');
  const received: Buffer[] = [];
  const server = await listen((socket) => {
    socket.once('data', (greeting: Buffer) => {
      received.push(greeting);
      socket.write(Buffer.from([5, 0]));
      socket.once('data', (request: Buffer) => {
        received.push(request);
        socket.end(Buffer.concat([SUCCESS, fileData]));
      });
    });
  });
  try {
    const client = (await dialSocks5({ host: '127.0.0.1', port: server.port, dstAddr: DST, timeoutMs: 2000 })).stream;
    assert.deepEqual(await readAll(client), fileData);
    assert.equal(received[0].toString('hex'), '050100');
    assert.deepEqual(received[1], encodeRequest(CMD_CONNECT, DST, 0));
    assert.equal(received[1].length, 47);
    client.destroy();
  } finally {
    await server.close();
  }
});

test('server refuses an unexpected DST.ADDR with reply 2, and the client rejects too', async () => {
  let accepted!: Promise<string>;
  const server = await listen((socket) => {
    accepted = acceptSocks5(socket, { onConnect: () => false, timeoutMs: 2000 });
    accepted.catch(() => undefined);
  });
  try {
    await assert.rejects(
      dialSocks5({ host: '127.0.0.1', port: server.port, dstAddr: DST, timeoutMs: 2000 }),
      hasCode('no-streamhost', new RegExp(`^127\\.0\\.0\\.1:${server.port}: SOCKS5 reply 2 `)),
    );
    await assert.rejects(accepted, hasCode('protocol', new RegExp(`unexpected DST.ADDR ${DST}`)));
  } finally {
    await server.close();
  }
});

test('server times out and drops a client that connects and sends nothing', async () => {
  let accepted!: Promise<string>;
  const server = await listen((socket) => {
    accepted = acceptSocks5(socket, { onConnect: () => true, timeoutMs: 200 });
  });
  try {
    const client = await connectRaw(server.port);
    const closed = once(client, 'close');
    client.resume();
    while (accepted === undefined) await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(accepted, hasCode('timeout'));
    await closed;
  } finally {
    await server.close();
  }
});

test('client times out against a server that accepts TCP and never answers', async () => {
  const server = await listen(() => undefined);
  try {
    await assert.rejects(
      dialSocks5({ host: '127.0.0.1', port: server.port, dstAddr: DST, timeoutMs: 200 }),
      hasCode('timeout', new RegExp(`^127\\.0\\.0\\.1:${server.port}: no SOCKS5 reply within 200 ms$`)),
    );
  } finally {
    await server.close();
  }
});

test('client abort during the handshake rejects with aborted', async () => {
  const server = await listen(() => undefined);
  const ctl = new AbortController();
  try {
    const dialing = dialSocks5({ host: '127.0.0.1', port: server.port, dstAddr: DST, timeoutMs: 5000, signal: ctl.signal });
    setImmediate(() => ctl.abort());
    await assert.rejects(dialing, hasCode('aborted'));
  } finally {
    await server.close();
  }
});

test('client against a closed port is refused', async () => {
  const server = await listen(() => undefined);
  const port = server.port;
  await server.close();
  await assert.rejects(
    dialSocks5({ host: '127.0.0.1', port, dstAddr: DST, timeoutMs: 5000 }),
    hasCode('no-streamhost', new RegExp(`^127\\.0\\.0\\.1:${port}: connection refused$`)),
  );
});

/** Runs acceptSocks5 against a raw client that sends `bytes` (in pieces of `step` bytes). */
async function serveRaw(bytes: Buffer, step: number, onConnect = (dst: string) => dst === DST) {
  let accepted!: Promise<{ socket: net.Socket; dst: string }>;
  const server = await listen((socket) => {
    accepted = acceptSocks5(socket, { onConnect, timeoutMs: 2000 }).then((dst) => ({ socket, dst }));
    accepted.catch(() => undefined);
  });
  const client = await connectRaw(server.port);
  const answer = readAll(client);
  for (let i = 0; i < bytes.length; i += step) {
    client.write(bytes.subarray(i, i + step));
    if (step < bytes.length) await new Promise((resolve) => setImmediate(resolve));
  }
  client.end();
  return { server, client, accepted, answer };
}

test('server accepts greeting, request and data sent in one write', async () => {
  const request = Buffer.concat([encodeGreeting([0]), encodeRequest(CMD_CONNECT, DST, 0), Buffer.from('payload')]);
  const { server, client, accepted, answer } = await serveRaw(request, request.length);
  try {
    const { socket, dst } = await accepted;
    assert.equal(dst, DST);
    const atServer = readAll(socket);
    socket.end();
    assert.equal((await atServer).toString(), 'payload');
    assert.deepEqual(await answer, Buffer.concat([Buffer.from([5, 0]), SUCCESS]));
    client.destroy();
  } finally {
    await server.close();
  }
});

test('server accepts greeting and request arriving one byte at a time', async () => {
  const request = Buffer.concat([encodeGreeting([2, 0]), encodeRequest(CMD_CONNECT, DST, 0)]);
  const { server, client, accepted, answer } = await serveRaw(request, 1);
  try {
    const { socket, dst } = await accepted;
    assert.equal(dst, DST);
    socket.end();
    assert.deepEqual(await answer, Buffer.concat([Buffer.from([5, 0]), SUCCESS]));
    client.destroy();
  } finally {
    await server.close();
  }
});

test('server answers 0xFF to a greeting without method 0', async () => {
  const { server, client, accepted, answer } = await serveRaw(encodeGreeting([2]), 3);
  try {
    await assert.rejects(accepted, hasCode('protocol', /not 0/));
    assert.equal((await answer).toString('hex'), '05ff');
    client.destroy();
  } finally {
    await server.close();
  }
});

test('server answers 7 to UDP ASSOCIATE and 8 to an unknown address type', async () => {
  const udp = Buffer.concat([encodeGreeting([0]), encodeRequest(CMD_UDP_ASSOCIATE, DST, 0)]);
  const badAtyp = Buffer.from('050100050100090000', 'hex');
  for (const [bytes, rep] of [[udp, 7], [badAtyp, 8]] as const) {
    const { server, client, accepted, answer } = await serveRaw(bytes, bytes.length);
    try {
      await assert.rejects(accepted, hasCode('protocol'));
      const reply = await answer;
      assert.deepEqual([...reply.subarray(0, 4)], [5, 0, 5, rep]);
      client.destroy();
    } finally {
      await server.close();
    }
  }
});

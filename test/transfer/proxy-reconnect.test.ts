// The proxy keeps its SOCKS5 side up and reconnects when the component connection drops
// (transfer/proxy.ts). The server here is a scripted XEP-0114 peer (§3: stream header with an id,
// <handshake/> for the right digest, a stream error for a wrong one) so the drop can be forced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { startProxy, type ProxyRequest } from '../../src/transfer/proxy.js';
import { handshakeDigest } from '../../src/xmpp/component.js';
import type { ProxyEvent } from '../../src/session/proxy-events.js';
import { dialSocks5 } from '../../src/transport/socks5-client.js';

const JID = 'proxy.example.org';

/** Accepts components; `accept` decides per connection whether the secret is taken. */
async function fakeServer(secret: string) {
  const sockets: net.Socket[] = [];
  let count = 0;
  const server = net.createServer((socket) => {
    sockets.push(socket);
    const id = `stream-${++count}`;
    let text = '';
    socket.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.includes('<stream:stream') && !text.includes('sent-header')) {
        text += 'sent-header';
        socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' from='${JID}' id='${id}'>`);
      }
      const m = /<handshake>([0-9a-f]+)<\/handshake>/.exec(text);
      if (m) {
        text = text.replace(m[0], '');
        if (m[1] === handshakeDigest(id, secret)) socket.write('<handshake/>');
        else socket.end("<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>");
      }
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, sockets, port: (server.address() as net.AddressInfo).port, connections: () => count };
}

function request(secret: string, port: number, onEvent: (e: ProxyEvent) => void, signal: AbortSignal): ProxyRequest {
  return {
    component: { jid: JID, secret, server: { host: '127.0.0.1', port } },
    listen: { host: '127.0.0.1', port: 0 },
    streamhost: { host: '127.0.0.1' },
    policy: { allow: ['*'], deny: [] },
    activationTimeoutMs: 5000,
    maxConnections: 10,
    maxPerAddress: 10,
    maxActive: 10,
    onEvent,
    signal,
  };
}

test('a dropped component connection is reconnected while the SOCKS5 side keeps listening', async () => {
  const fake = await fakeServer('s3cret');
  const events: ProxyEvent[] = [];
  const ctl = new AbortController();
  const proxy = await startProxy(request('s3cret', fake.port, (e) => events.push(e), ctl.signal));
  const ready = events.find((e) => e.kind === 'proxy-ready') as Extract<ProxyEvent, { kind: 'proxy-ready' }>;
  fake.sockets[0]!.destroy();
  while (!events.some((e) => e.kind === 'component-online')) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(
    events.map((e) => e.kind),
    ['proxy-ready', 'component-lost', 'component-online'],
  );
  assert.equal(fake.connections(), 2);
  const socket = (await dialSocks5({ host: '127.0.0.1', port: ready.streamhost.port, dstAddr: 'a'.repeat(40), timeoutMs: 2000 })).stream;
  socket.destroy();
  ctl.abort();
  const counters = await proxy.done;
  assert.equal(counters.connections, 0);
  fake.server.close();
});

test('a refused secret at start is an auth error and nothing keeps listening', async () => {
  const fake = await fakeServer('right');
  await assert.rejects(
    startProxy(request('wrong', fake.port, () => undefined, new AbortController().signal)),
    { code: 'auth' },
  );
  fake.server.close();
});

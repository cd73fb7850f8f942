// A server that offers no STARTTLS (or refuses it) and then keeps the socket open must not cost
// the whole connect timeout: the refusal ends the login at once (exit 3 in the CLI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { connectXmpp } from '../../src/xmpp/connect.js';
import { Xep65Error } from '../../src/errors.js';

const FEATURES = {
  none: "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>",
  refused: "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>",
};

/** Answers the stream header with `features`, a STARTTLS request with <failure/>, then says nothing more. */
async function silentServer(features: string): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('data', (d) => {
      const text = String(d);
      if (text.includes('<stream:stream')) {
        socket.write(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='x' from='example.test' version='1.0'>${features}`);
      }
      if (text.includes('<starttls')) socket.write("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => (sockets.forEach((s) => s.destroy()), server.close()),
  };
}

for (const [kind, features] of Object.entries(FEATURES)) {
  test(`no TLS (${kind}): refused at once with a connection error, not after the timeout`, async () => {
    const server = await silentServer(features);
    const started = Date.now();
    try {
      await assert.rejects(
        connectXmpp({ jid: 'alice@example.test', password: 'secret', resource: 'r', server: { host: '127.0.0.1', port: server.port }, timeoutMs: 15_000 }),
        (err: unknown) => err instanceof Xep65Error && err.code === 'connection' && /TLS/.test(err.message),
      );
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms of a 15 s timeout`);
    } finally {
      server.close();
    }
  });
}

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tls from 'node:tls';
import { promisify } from 'node:util';

import { freePort, startProsody } from './prosody.js';

const execFileAsync = promisify(execFile);

/** A text conversation over a socket: write, then wait for a pattern in what came back. */
class Probe {
  private buf = '';
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(public sock: net.Socket) {
    this.attach(sock);
  }

  attach(sock: net.Socket): void {
    this.sock = sock;
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      this.buf += chunk;
      this.waiter?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    sock.on('error', () => undefined);
  }

  send(text: string): void {
    this.sock.write(text);
  }

  /** Resolve with everything received up to and including the first match; consume it. */
  async expect(re: RegExp, ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.buf);
      if (m) {
        const end = m.index + m[0].length;
        const got = this.buf.slice(0, end);
        this.buf = this.buf.slice(end);
        return got;
      }
      if (this.closed) throw new Error(`closed while waiting for ${re}; got: ${this.buf}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${re}; got: ${this.buf}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  /** Hand the socket over (e.g. to TLS): stop reading it here. */
  detach(): net.Socket {
    this.sock.removeAllListeners('data');
    this.sock.removeAllListeners('close');
    this.buf = '';
    return this.sock;
  }

  close(): void {
    this.sock.destroy();
  }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      sock.off('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

const streamHeader = (domain: string): string =>
  `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' ` +
  `xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;

/** Connect, STARTTLS verified against caFile, fresh stream; returns the probe and the features. */
async function startTls(port: number, domain: string, ca: string): Promise<{ probe: Probe; features: string; tlsSock: tls.TLSSocket }> {
  const probe = new Probe(await connect(port));
  probe.send(streamHeader(domain));
  await probe.expect(/<\/stream:features>/);
  probe.send(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`);
  await probe.expect(/<proceed[^>]*\/>/);
  const raw = probe.detach();
  const tlsSock = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect({ socket: raw, ca, servername: domain }, () => resolve(s));
    s.once('error', reject);
  });
  probe.attach(tlsSock);
  probe.send(streamHeader(domain));
  const features = await probe.expect(/<\/stream:features>/);
  return { probe, features, tlsSock };
}

async function saslPlain(port: number, domain: string, ca: string, user: string, password: string): Promise<boolean> {
  const { probe, features } = await startTls(port, domain, ca);
  try {
    assert.match(features, /<mechanism>PLAIN<\/mechanism>/);
    const b64 = Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
    probe.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${b64}</auth>`);
    const reply = await probe.expect(/<success[^>]*(\/>|<\/success>)|<failure[\s\S]*?<\/failure>/);
    return /<success/.test(reply);
  } finally {
    probe.close();
  }
}

test('private prosody', async (t) => {
  const alice = { user: 'alice', password: randomBytes(9).toString('base64url') };
  const bob = { user: 'bob', password: randomBytes(9).toString('base64url') };
  const componentSecret = randomBytes(12).toString('hex');
  const p = await startProsody({ accounts: [alice, bob], componentSecret });
  let pid = 0;
  try {
    pid = Number((await readFile(path.join(p.dir, 'prosody.pid'), 'utf8')).trim());

    await t.test('exposes its values', () => {
      assert.equal(p.domain, 'example.test');
      assert.equal(p.host, '127.0.0.1');
      assert.equal(p.server, `127.0.0.1:${p.c2sPort}`);
      assert.equal(p.proxyJid, 'proxy.example.test');
      assert.equal(p.componentJid, 'xep65proxy.example.test');
      assert.ok(p.componentPort && p.componentPort > 0);
      assert.equal(new Set([p.c2sPort, p.proxyPort, p.componentPort]).size, 3);
      assert.ok(path.basename(p.dir).startsWith('xep65-prosody-'));
      assert.ok(p.caFile.startsWith(p.dir) && p.logFile.startsWith(p.dir));
      assert.ok(Number.isInteger(pid) && pid > 0, `pidfile holds a pid: ${pid}`);
    });

    await t.test('c2s speaks XMPP and requires STARTTLS', async () => {
      const probe = new Probe(await connect(p.c2sPort));
      try {
        probe.send(streamHeader(p.domain));
        const features = await probe.expect(/<\/stream:features>/);
        assert.match(features, /<stream:stream[^>]*from=['"]example\.test['"]/);
        assert.match(features, /<starttls xmlns=['"]urn:ietf:params:xml:ns:xmpp-tls['"]><required\/><\/starttls>/);
        assert.doesNotMatch(features, /<mechanisms/, 'no SASL before TLS');
      } finally {
        probe.close();
      }
    });

    await t.test('the CA verifies the server certificate (openssl and a real STARTTLS)', async () => {
      const cert = path.join(p.dir, 'certs', `${p.domain}.crt`);
      const { stdout } = await execFileAsync('openssl', ['verify', '-CAfile', p.caFile, '-verify_hostname', p.domain, cert]);
      assert.match(stdout, /: OK/);
      const ca = await readFile(p.caFile, 'utf8');
      const { probe, tlsSock } = await startTls(p.c2sPort, p.domain, ca);
      try {
        assert.equal(tlsSock.authorized, true);
        const san = tlsSock.getPeerCertificate().subjectaltname ?? '';
        for (const name of ['DNS:example.test', 'DNS:*.example.test', 'DNS:localhost', 'IP Address:127.0.0.1']) {
          assert.ok(san.includes(name), `${name} in ${san}`);
        }
      } finally {
        probe.close();
      }
    });

    await t.test('accounts log in; a wrong password does not', async () => {
      const ca = await readFile(p.caFile, 'utf8');
      assert.equal(await saslPlain(p.c2sPort, p.domain, ca, alice.user, alice.password), true);
      assert.equal(await saslPlain(p.c2sPort, p.domain, ca, bob.user, bob.password), true);
      assert.equal(await saslPlain(p.c2sPort, p.domain, ca, alice.user, bob.password), false);
    });

    await t.test('register() works while running', async () => {
      const ca = await readFile(p.caFile, 'utf8');
      const carol = randomBytes(9).toString('base64url');
      assert.equal(await saslPlain(p.c2sPort, p.domain, ca, 'carol', carol), false);
      await p.register('carol', carol);
      assert.equal(await saslPlain(p.c2sPort, p.domain, ca, 'carol', carol), true);
    });

    await t.test('proxy65 port accepts a SOCKS5 greeting', async () => {
      const sock = await connect(p.proxyPort);
      try {
        const reply = await new Promise<Buffer>((resolve, reject) => {
          sock.once('data', resolve);
          sock.once('error', reject);
          sock.write(Buffer.from([5, 1, 0]));
        });
        assert.deepEqual([...reply], [5, 0]);
      } finally {
        sock.destroy();
      }
    });

    await t.test('component port accepts the handshake', async () => {
      assert.ok(p.componentPort && p.componentJid);
      const probe = new Probe(await connect(p.componentPort));
      try {
        probe.send(`<?xml version='1.0'?><stream:stream to='${p.componentJid}' xmlns='jabber:component:accept' ` +
          `xmlns:stream='http://etherx.jabber.org/streams'>`);
        const header = await probe.expect(/<stream:stream[^>]*>/);
        const id = /\sid=['"]([^'"]+)['"]/.exec(header)?.[1];
        assert.ok(id, `stream id in ${header}`);
        const digest = createHash('sha1').update(id + componentSecret).digest('hex');
        probe.send(`<handshake>${digest}</handshake>`);
        await probe.expect(/<handshake\s*\/>|<handshake><\/handshake>/);
      } finally {
        probe.close();
      }
    });
  } finally {
    await p.stop();
  }

  assert.ok(pid > 0);
  assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'prosody is gone');
  assert.equal(existsSync(p.dir), false, 'temp dir removed');
  await p.stop(); // idempotent
});

test('freePort returns a bindable loopback port', async () => {
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => srv.close(() => resolve()));
});

test('bad options are refused before anything is started', async () => {
  await assert.rejects(startProsody({ domain: 'not a domain' }), /invalid domain/);
  await assert.rejects(startProsody({ accounts: [{ user: 'a b', password: 'x' }] }), /unsupported user name/);
});

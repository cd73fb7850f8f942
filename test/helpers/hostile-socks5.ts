// Hostile SOCKS5 peers for test/hostile/: raw sockets that send whatever a case says (garbage,
// one byte at a time, wrong fields), the table of malformed handshakes shared by the streamhost
// and proxy suites, and the checks every case makes (closed within a bound, nothing unhandled,
// memory bounded).
import net from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash, randomBytes } from 'node:crypto';
import { CMD_CONNECT, encodeRequest, REP_ATYP_NOT_SUPPORTED, REP_COMMAND_NOT_SUPPORTED, REP_NOT_ALLOWED } from '../../src/socks5/codec.js';

export const GREETING = Buffer.from([5, 1, 0]);

export const randomHash = (): string => randomBytes(20).toString('hex');

/** A CONNECT request with any ATYP, raw address bytes and port (what encodeRequest refuses to build). */
export function rawRequest(opts: { cmd?: number; atyp: number; addr: Buffer; port?: number }): Buffer {
  const port = Buffer.alloc(2);
  port.writeUInt16BE(opts.port ?? 0);
  return Buffer.concat([Buffer.from([5, opts.cmd ?? CMD_CONNECT, 0, opts.atyp]), opts.addr, port]);
}

/** ATYP 3 with a length byte and the bytes that follow it (the length may lie). */
export function domainRequest(host: Buffer | string, opts: { length?: number; port?: number; cmd?: number } = {}): Buffer {
  const bytes = typeof host === 'string' ? Buffer.from(host, 'latin1') : host;
  return rawRequest({ atyp: 3, addr: Buffer.concat([Buffer.from([opts.length ?? bytes.length]), bytes]), port: opts.port ?? 0, cmd: opts.cmd ?? CMD_CONNECT });
}

export const connectRequest = (dstAddr: string): Buffer => encodeRequest(CMD_CONNECT, dstAddr, 0);

export interface RawPeer {
  socket: net.Socket;
  /** Everything the server wrote so far. */
  bytes(): Buffer;
  /** Resolves once at least `n` bytes came (or the server closed first). */
  waitBytes(n: number, ms?: number): Promise<Buffer>;
  /** Writes, ignoring a server that already closed (EPIPE, reset). */
  write(data: Buffer | string): Promise<void>;
  /** Writes one byte every `everyMs` until done or the server closed. */
  drip(data: Buffer, everyMs: number): Promise<void>;
  /**
   * Resolves when the server ended the connection (FIN, reset or close), with what it wrote;
   * rejects when that took longer than `ms`.
   */
  closedBy(ms: number): Promise<{ bytes: Buffer; how: 'fin' | 'reset' | 'close' }>;
  destroy(): void;
}

export async function rawPeer(port: number, opts: { localAddress?: string } = {}): Promise<RawPeer> {
  const socket = net.connect({ port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
  const chunks: Buffer[] = [];
  let how: 'fin' | 'reset' | 'close' | undefined;
  const ended = new Promise<void>((resolve) => {
    socket.on('end', () => ((how ??= 'fin'), resolve()));
    socket.on('error', () => ((how ??= 'reset'), resolve()));
    socket.on('close', () => ((how ??= 'close'), resolve()));
  });
  socket.on('data', (d: Buffer) => chunks.push(d));
  await Promise.race([once(socket, 'connect'), ended]);
  const bytes = () => Buffer.concat(chunks);
  const write = (data: Buffer | string) =>
    new Promise<void>((resolve) => {
      if (how !== undefined || socket.destroyed || !socket.writable) return resolve();
      socket.write(data, () => resolve());
    });
  return {
    socket,
    bytes,
    async waitBytes(n, ms = 5000) {
      const until = Date.now() + ms;
      while (bytes().length < n && how === undefined && Date.now() < until) await sleep(5);
      return bytes();
    },
    write,
    async drip(data, everyMs) {
      for (const byte of data) {
        if (how !== undefined) return;
        await write(Buffer.from([byte]));
        await sleep(everyMs);
      }
    },
    async closedBy(ms) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the server kept the connection open for more than ${ms} ms (got ${bytes().length} bytes)`)), ms);
      });
      try {
        await Promise.race([ended, late]);
      } finally {
        clearTimeout(timer);
      }
      return { bytes: bytes(), how: how ?? 'close' };
    },
    destroy: () => socket.destroy(),
  };
}

/** The reply code in what a server wrote after the 2-byte method selection, or undefined when it sent no reply. */
export const replyCode = (bytes: Buffer): number | undefined => (bytes.length >= 4 ? bytes[3] : undefined);

/** A hostile handshake: what the peer sends, and how the server must answer. */
export interface HostileCase {
  name: string;
  /** Sent first, as one write, or dripped one byte at a time. */
  greeting: Buffer;
  /** Sent once the server answered the greeting. */
  request?: Buffer;
  /** Gap between bytes when the case is a slow sender (slowloris); undefined: one write. */
  dripMs?: number;
  /**
   * What the server writes back, in full: the method selection and the reply (a reply echoes the
   * address, so only its code is checked); 'nothing' when it must close without a word.
   */
  expect: { method?: number; reply?: number } | 'nothing';
  /** True when only the handshake deadline can end it (the bytes are a valid prefix). */
  deadline?: boolean;
  /**
   * A proxy cannot tell this from the first party of a new pair (a well-formed hash nobody else
   * uses): it is accepted there, and must expire unactivated instead.
   */
  proxyTakesIt?: boolean;
}

const TLS_HELLO = Buffer.from('16030100a5010000a10303', 'hex');

/** The malformed handshakes every SOCKS5 side of ours must refuse (RFC 1928; XEP-0065 §5.3.2, §9.2). */
export function hostileCases(validDstAddr: () => string): HostileCase[] {
  const fortyX = 'x'.repeat(40);
  return [
    { name: 'an HTTP request instead of a greeting', greeting: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), expect: 'nothing' },
    { name: 'a TLS ClientHello instead of a greeting', greeting: TLS_HELLO, expect: 'nothing' },
    { name: '4 KiB of random bytes starting 0xff', greeting: Buffer.concat([Buffer.from([0xff]), randomBytes(4095)]), expect: 'nothing' },
    { name: 'a SOCKS4 CONNECT', greeting: Buffer.from([4, 1, 0, 80, 127, 0, 0, 1, 0]), expect: 'nothing' },
    { name: 'a greeting offering no methods', greeting: Buffer.from([5, 0]), expect: 'nothing' },
    { name: 'a greeting without "no authentication" (username/password only)', greeting: Buffer.from([5, 1, 2]), expect: { method: 0xff } },
    { name: 'garbage after a valid greeting', greeting: GREETING, request: Buffer.from('GET / HTTP/1.1\r\n\r\n'), expect: { method: 0 } },
    { name: 'a wrong DST.ADDR (another valid hash)', greeting: GREETING, request: connectRequest(randomHash()), expect: { method: 0, reply: REP_NOT_ALLOWED }, proxyTakesIt: true },
    { name: 'the right DST.ADDR in upper case', greeting: GREETING, request: connectRequest(validDstAddr().toUpperCase()), expect: { method: 0, reply: REP_NOT_ALLOWED } },
    { name: 'the right DST.ADDR with one byte more', greeting: GREETING, request: connectRequest(`${validDstAddr()}0`), expect: { method: 0, reply: REP_NOT_ALLOWED } },
    { name: 'an empty DST.ADDR (length 0)', greeting: GREETING, request: domainRequest(''), expect: { method: 0, reply: REP_NOT_ALLOWED } },
    { name: 'a 40-byte DST.ADDR that is not hex', greeting: GREETING, request: connectRequest(fortyX), expect: { method: 0, reply: REP_NOT_ALLOWED } },
    { name: 'the right DST.ADDR with DST.PORT 1', greeting: GREETING, request: domainRequest(validDstAddr(), { port: 1 }), expect: { method: 0, reply: REP_NOT_ALLOWED } },
    { name: 'the right DST.ADDR with DST.PORT 65535', greeting: GREETING, request: domainRequest(validDstAddr(), { port: 65535 }), expect: { method: 0, reply: REP_NOT_ALLOWED } },
    { name: 'ATYP 1 (IPv4) instead of 3', greeting: GREETING, request: rawRequest({ atyp: 1, addr: Buffer.from([127, 0, 0, 1]) }), expect: { method: 0, reply: REP_ATYP_NOT_SUPPORTED } },
    { name: 'ATYP 4 (IPv6) instead of 3', greeting: GREETING, request: rawRequest({ atyp: 4, addr: Buffer.alloc(16) }), expect: { method: 0, reply: REP_ATYP_NOT_SUPPORTED } },
    { name: 'an unknown ATYP (9)', greeting: GREETING, request: rawRequest({ atyp: 9, addr: Buffer.alloc(40) }), expect: { method: 0, reply: REP_ATYP_NOT_SUPPORTED } },
    { name: 'BIND instead of CONNECT', greeting: GREETING, request: domainRequest(validDstAddr(), { cmd: 2 }), expect: { method: 0, reply: REP_COMMAND_NOT_SUPPORTED } },
    { name: 'UDP ASSOCIATE instead of CONNECT', greeting: GREETING, request: domainRequest(validDstAddr(), { cmd: 3 }), expect: { method: 0, reply: REP_COMMAND_NOT_SUPPORTED } },
    { name: 'a domain length of 255 with 255 bytes', greeting: GREETING, request: domainRequest('a'.repeat(255)), expect: { method: 0, reply: REP_NOT_ALLOWED } },
    {
      name: 'a domain length of 255 with only the 40 bytes of the right DST.ADDR, then silence',
      greeting: GREETING,
      request: domainRequest(validDstAddr(), { length: 255 }).subarray(0, 5 + 40),
      expect: { method: 0 },
      deadline: true,
    },
    { name: 'a greeting, then nothing', greeting: GREETING, expect: { method: 0 }, deadline: true },
    { name: 'half a greeting, then nothing', greeting: Buffer.from([5, 3, 0]), expect: 'nothing', deadline: true },
    { name: 'slowloris: a valid handshake one byte every 150 ms', greeting: Buffer.concat([GREETING, connectRequest(validDstAddr())]), dripMs: 150, expect: { method: 0 }, deadline: true },
  ];
}

/** Runs one hostile handshake and resolves with what the server wrote before it ended the connection. */
export async function runHostile(port: number, c: HostileCase, boundMs: number, localAddress?: string) {
  const peer = await rawPeer(port, localAddress ? { localAddress } : {});
  try {
    if (c.dripMs !== undefined) void peer.drip(c.greeting, c.dripMs);
    else await peer.write(c.greeting);
    if (c.request) {
      await peer.waitBytes(2);
      await peer.write(c.request);
    }
    return await peer.closedBy(boundMs);
  } finally {
    peer.destroy();
  }
}

/** Checks what the server wrote against the case: never a success reply, and exactly the expected answer. */
export function checkAnswer(c: HostileCase, bytes: Buffer): string | undefined {
  if (c.expect === 'nothing') return bytes.length === 0 ? undefined : `expected no answer, got ${bytes.toString('hex')}`;
  if (bytes.length < 2 || bytes[0] !== 5 || bytes[1] !== c.expect.method) return `expected method ${c.expect.method}, got ${bytes.toString('hex')}`;
  const reply = replyCode(bytes);
  if (reply === 0) return `got a success reply: ${bytes.toString('hex')}`;
  if (c.expect.reply === undefined) return bytes.length === 2 ? undefined : `expected no reply, got ${bytes.toString('hex')}`;
  return reply === c.expect.reply ? undefined : `expected reply ${c.expect.reply}, got ${bytes.toString('hex')}`;
}

/** Opens `count` connections (in batches, so the test machine's backlog is not the limit). */
export async function flood(port: number, count: number, opts: { localAddress?: string; send?: Buffer } = {}): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = Array.from({ length: Math.min(50, count - i) }, () => {
      const s = net.connect({ port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
      s.on('error', () => undefined).resume(); // read what the server says, so its FIN is seen
      sockets.push(s);
      return new Promise<void>((resolve) => {
        s.once('connect', () => (opts.send ? s.write(opts.send, () => resolve()) : resolve()));
        s.once('close', () => resolve());
      });
    });
    await Promise.all(batch);
  }
  return sockets;
}

/** Resolves when every socket is closed; rejects after `ms` with how many are still open. */
export async function allClosed(sockets: net.Socket[], ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const open = sockets.filter((s) => !s.destroyed && !s.readableEnded).length;
    if (open === 0) return;
    if (Date.now() > until) throw new Error(`${open} of ${sockets.length} connections still open after ${ms} ms`);
    await sleep(20);
  }
}

/**
 * Records unhandled rejections and uncaught exceptions (monitor only: node:test still reports
 * them). `check()` throws if any happened since the last check.
 */
export function watchUnhandled(): { check(): void; stop(): void } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  const onException = (err: unknown) => seen.push(err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtExceptionMonitor', onException);
  return {
    check() {
      const found = seen.splice(0);
      if (found.length > 0) throw new Error(`unhandled: ${found.map((e) => (e instanceof Error ? e.stack : String(e))).join('\n')}`);
    },
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtExceptionMonitor', onException);
    },
  };
}

/** Memory now, in MB (heap and resident set). */
export function memoryMb(): { heap: number; rss: number } {
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 1e6, rss: m.rss / 1e6 };
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** All bytes a readable gives until it ends (or errors: then what came so far). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
  } catch {
    // a reset after the data: the bytes that came are the answer
  }
  return Buffer.concat(chunks);
}

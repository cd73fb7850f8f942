// Many bytestreams at once through an XEP-0065 proxy (issue 13), shared by the bench case
// (proxy-load.ts) and the behaviour test (test/proxy/many-streams.test.ts). Per stream: the target
// connects first, then the requester, with the same DST.ADDR (§6.3.2, §6.3.4); then one logged-in
// requester activates every stream (§6.3.5); then every requester writes its bytes at once, with
// backpressure, and ends; every target checks and counts what arrives. The generator is cheap on
// purpose (it shares the cores with the proxy): each stream writes one reused buffer over and over,
// and targets read into the dialer's recycled 1 MiB buffer (socket-reader.ts), comparing in place.
import { createCipheriv, createHash, type Hash } from 'node:crypto';
import type net from 'node:net';
import { Xep65Error } from '../../src/errors.js';
import type { XmppPort } from '../../src/session/ports.js';
import { buildActivate, buildNetworkAddressQuery, parseStreamhosts, type Streamhost } from '../../src/stanzas/bytestreams.js';
import { dstAddr } from '../../src/socks5/dst-addr.js';
import { dialSocks5, type DialedSocket } from '../../src/transport/socks5-client.js';

export interface StreamPlan {
  sid: string;
  bytes: number;
  /** The content: this buffer repeated, cut at `bytes`. Written as it is, never copied. */
  pattern: Buffer;
}

/** 'full' compares every byte received; 'sampled' the first and last SAMPLE_BYTES of each read. Both count every byte. */
export type Verify = 'full' | 'sampled';

export interface RelayStreamsOptions {
  /** The requester, logged in: its bound JID goes into every DST.ADDR. */
  xmpp: XmppPort;
  proxyJid: string;
  streamhost: Pick<Streamhost, 'host' | 'port'>;
  /** The target's full JID. It is only hashed and named in <activate/>; nobody needs to be logged in as it. */
  target: string;
  streams: StreamPlan[];
  verify: Verify;
  /** Also a SHA-256 of each stream as received. */
  hash?: boolean;
  /** SOCKS5 handshakes in flight at once while connecting (the proxy sheds bursts of slow ones from one address). */
  dialConcurrency?: number;
  /** For everything: connecting, activating, relaying. */
  timeoutMs: number;
}

export interface StreamResult {
  sid: string;
  bytes: number;
  /** performance.now() at the first byte written, and when the target had the last one. */
  startMs: number;
  endMs: number;
  sha256?: string;
}

const SAMPLE_BYTES = 64;
const DIAL_TIMEOUT_MS = 10_000;

/** The streamhost our proxy tells `xmpp` to use (XEP-0065 §4, Example 7/8), as senders find it. */
export async function proxyStreamhost(xmpp: XmppPort, proxyJid: string): Promise<Streamhost> {
  const answer = await xmpp.get(proxyJid, buildNetworkAddressQuery());
  const first = answer ? parseStreamhosts(answer)[0] : undefined;
  if (!first) throw new Xep65Error('no-streamhost', `${proxyJid} named no streamhost`);
  return first;
}

/** Deterministic bytes for a seed (AES-256-CTR of zeros): distinct content per stream, reproducible. */
export function seededBytes(seed: string, length: number): Buffer {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(seed).digest(), Buffer.alloc(16));
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

/** Relays every planned stream through the proxy; rejects if any is refused, broken, short, long or corrupted. */
export async function relayStreams(opts: RelayStreamsOptions): Promise<StreamResult[]> {
  const open = { closed: false, sockets: [] as net.Socket[] };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Xep65Error('timeout', `streams not done within ${opts.timeoutMs} ms`)), opts.timeoutMs);
  });
  try {
    return await Promise.race([run(opts, open), timeout]);
  } finally {
    clearTimeout(timer);
    open.closed = true;
    for (const s of open.sockets) s.destroy();
  }
}

async function run(opts: RelayStreamsOptions, open: { closed: boolean; sockets: net.Socket[] }): Promise<StreamResult[]> {
  const { host, port } = opts.streamhost;
  const dial = async (plan: StreamPlan) => {
    const d = await dialSocks5({ host, port, dstAddr: dstAddr(plan.sid, opts.xmpp.jid, opts.target), timeoutMs: DIAL_TIMEOUT_MS });
    open.sockets.push(d.stream);
    if (open.closed) d.stream.destroy(); // dialed after the run failed
    return d;
  };
  // Every target before any requester: the proxy takes the first connection of a DST.ADDR as the target's.
  const targets = await mapLimit(opts.streams, opts.dialConcurrency ?? 16, dial);
  const requesters = await mapLimit(opts.streams, opts.dialConcurrency ?? 16, dial);
  // Watched from now on, awaited only after activation: handled, so one failing early is no unhandled rejection.
  const received = handled(Promise.all(opts.streams.map((plan, i) => receive(targets[i]!, plan, opts))));
  const echoes = handled(Promise.all(requesters.map((r, i) => expectSilence(r, opts.streams[i]!.sid))));
  await Promise.all(opts.streams.map((s) => opts.xmpp.set(opts.proxyJid, buildActivate(s.sid, opts.target))));
  const started = Promise.all(requesters.map((r, i) => send(r.stream, opts.streams[i]!)));
  const [results, startTimes] = await Promise.all([received, started, echoes]);
  return results.map((r, i) => ({ ...r, startMs: startTimes[i]! }));
}

function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

/** The target side: counts and checks every byte; resolves once the proxy closed the stream after the last. */
function receive(target: DialedSocket, plan: StreamPlan, opts: RelayStreamsOptions): Promise<Omit<StreamResult, 'startMs'>> {
  target.stream.on('error', () => undefined); // reported by the pump
  const check = checker(plan, opts.verify);
  const hash: Hash | undefined = opts.hash ? createHash('sha256') : undefined;
  let got = 0;
  let endMs = 0;
  let failure: Error | undefined;
  const pump = target.readInto((chunk) => {
    if (failure) return;
    failure = check(chunk, got);
    hash?.update(chunk);
    got += chunk.length;
    if (got === plan.bytes) endMs = performance.now();
    if (failure) target.stream.destroy();
  });
  return pump.done.then(() => {
    if (failure) throw failure;
    if (got !== plan.bytes) throw new Xep65Error('integrity', `stream ${plan.sid}: ${got} bytes arrived, expected ${plan.bytes}`);
    return { sid: plan.sid, bytes: got, endMs, ...(hash ? { sha256: hash.digest('hex') } : {}) };
  });
}

/**
 * Checks one read at stream offset `at` against the plan; an Error when it does not match (or
 * goes past the end). Exported so the test can show it catches a corrupted byte.
 */
export function checker(plan: StreamPlan, verify: Verify): (chunk: Buffer, at: number) => Xep65Error | undefined {
  const { pattern } = plan;
  /** chunk[from, to) against the content at stream offset `at + from`, split where the pattern wraps. */
  const same = (chunk: Buffer, from: number, to: number, at: number): boolean => {
    for (let i = from, p = (at + from) % pattern.length; i < to; p = 0) {
      const n = Math.min(to - i, pattern.length - p);
      if (chunk.compare(pattern, p, p + n, i, i + n) !== 0) return false;
      i += n;
    }
    return true;
  };
  return (chunk, at) => {
    const n = chunk.length;
    if (at + n > plan.bytes) return new Xep65Error('integrity', `stream ${plan.sid}: more than the ${plan.bytes} bytes sent arrived`);
    const ok = verify === 'full' ? same(chunk, 0, n, at) : same(chunk, 0, Math.min(SAMPLE_BYTES, n), at) && same(chunk, Math.max(0, n - SAMPLE_BYTES), n, at);
    return ok ? undefined : new Xep65Error('integrity', `stream ${plan.sid}: bytes ${at}..${at + n} differ from what was sent`);
  };
}

/** The requester side writes; nothing may come back (the target sends nothing). Resolves when it closes. */
function expectSilence(requester: DialedSocket, sid: string): Promise<void> {
  requester.stream.on('error', () => undefined); // reported by the pump
  let back = 0;
  return requester.readInto((chunk) => (back += chunk.length)).done.then(() => {
    if (back !== 0) throw new Xep65Error('protocol', `stream ${sid}: ${back} bytes came back to the requester`);
  });
}

/** Writes the plan's bytes from its one buffer, waiting for 'drain' when the socket is full, then ends. Resolves with the time of the first write. */
function send(socket: net.Socket, plan: StreamPlan): Promise<number> {
  return new Promise((resolve, reject) => {
    const { pattern } = plan;
    const tail = pattern.subarray(0, plan.bytes % pattern.length);
    let left = plan.bytes;
    const startMs = performance.now();
    const onError = (err: Error) => reject(new Xep65Error('stream-broken', `stream ${plan.sid}: ${err.message}`, { cause: err }));
    const pump = (): void => {
      while (left > 0) {
        const chunk = left >= pattern.length ? pattern : tail;
        left -= chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.end(() => (socket.off('error', onError), resolve(startMs)));
    };
    socket.once('error', onError);
    pump();
  });
}

/** Like Promise.all(items.map(fn)), with at most `limit` calls in flight; results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// The requester's side of a SOCKS5 bytestream (XEP-0065 §5.3 direct, §6.3 mediated): offer the
// streamhosts in one IQ-set, wait for streamhost-used, then either take the connection our own
// streamhost accepted (no activation, §5.3.3) or connect to the chosen proxy with the same
// DST.ADDR and activate it (§6.3.4-6.3.5) before any data is written.
import type { Duplex } from 'node:stream';
import { NoStreamhostError, Xep65Error } from '../errors.js';
import { IqError } from '../stanzas/iq-error.js';
import { dstAddr as computeDstAddr } from '../socks5/dst-addr.js';
import { buildActivate, buildStreamhostOffer, parseStreamhostUsed, type Streamhost } from '../stanzas/bytestreams.js';
import type { Socks5Dialer, StreamhostListenerPort, XmppPort } from './ports.js';

export interface RequesterOptions {
  xmpp: XmppPort;
  dial: Socks5Dialer;
  /** Our own streamhost, when we offer direct connections. */
  listener?: StreamhostListenerPort;
  target: string;
  sid: string;
  /** Our own streamhosts (jid = our JID) first, then proxies, in order of preference. */
  streamhosts: Streamhost[];
  /** How long the target may take to connect and answer. */
  answerTimeoutMs: number;
  connectTimeoutMs: number;
  signal?: AbortSignal;
}

export interface EstablishedStream {
  stream: Duplex;
  streamhost: Streamhost;
}

export async function establishAsRequester(opts: RequesterOptions): Promise<EstablishedStream> {
  const { xmpp, target, sid } = opts;
  const dstAddr = computeDstAddr(sid, xmpp.jid, target);
  const local = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, local.signal]) : local.signal;
  const direct = opts.listener?.expect(dstAddr, signal);
  direct?.catch(() => undefined); // awaited below only when the target chose us; its failure is reported there
  try {
    const used = await askTarget(opts, signal);
    const streamhost = opts.streamhosts.find((s) => s.jid === used);
    if (!streamhost) throw new Xep65Error('protocol', `${target} used a streamhost we did not offer (${used})`);
    if (streamhost.jid === xmpp.jid) {
      if (!direct) throw new Xep65Error('protocol', `${target} claims our own streamhost, which we did not offer`);
      return { stream: await withTimeout(direct, opts.connectTimeoutMs, `${target} said it connected to us, but no connection arrived`), streamhost };
    }
    const stream = await opts.dial({ host: streamhost.host, port: streamhost.port, dstAddr, timeoutMs: opts.connectTimeoutMs, signal });
    try {
      await xmpp.set(streamhost.jid, buildActivate(sid, target), { timeoutMs: opts.connectTimeoutMs, signal });
    } catch (err) {
      stream.destroy();
      throw mapActivateError(err, streamhost.jid);
    }
    return { stream, streamhost };
  } finally {
    local.abort();
  }
}

async function askTarget(opts: RequesterOptions, signal: AbortSignal): Promise<string> {
  const offer = buildStreamhostOffer({ sid: opts.sid, mode: 'tcp', streamhosts: opts.streamhosts });
  let answer;
  try {
    answer = await opts.xmpp.set(opts.target, offer, { timeoutMs: opts.answerTimeoutMs, signal });
  } catch (err) {
    if (err instanceof IqError && err.condition === 'item-not-found') {
      throw new NoStreamhostError(`${opts.target} could not connect to any streamhost we offered`, []);
    }
    if (err instanceof IqError && err.condition === 'not-acceptable') {
      throw new Xep65Error('declined', `${opts.target} refused the bytestream`, { cause: err });
    }
    throw err;
  }
  const used = parseStreamhostUsed(answer);
  if (!used) throw new Xep65Error('protocol', `${opts.target} answered without streamhost-used`);
  return used;
}

const ACTIVATE_ERRORS: Record<string, string> = {
  'item-not-found': 'has no such stream (the target is not connected to it)',
  'not-allowed': 'has only one side of the stream connected',
  'not-authorized': 'says the stream hashes do not match',
  forbidden: 'does not allow us to use it',
  conflict: 'says the stream is already active',
};

function mapActivateError(err: unknown, proxy: string): unknown {
  if (!(err instanceof IqError)) return err;
  const reason = ACTIVATE_ERRORS[err.condition] ?? `answered ${err.condition}`;
  return new Xep65Error('no-streamhost', `activation failed: proxy ${proxy} ${reason}`, { cause: err });
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Xep65Error('no-streamhost', message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// The offering side of a SOCKS5 bytestream once the peer chose one of our candidates (XEP-0065
// §5.3.3 direct, §6.3.4-6.3.5 mediated; XEP-0260 §2.4-2.5 in Jingle): our own streamhost hands
// over the connection it accepted with the DST.ADDR (no activation); a proxy is dialed with the
// same DST.ADDR and activated before any data is written. The expectation on our listener is set
// before the offer goes out, so a fast peer's connection is never refused.
import { setTimeout as sleep } from 'node:timers/promises';
import { Xep65Error } from '../../errors.js';
import { IqError } from '../../stanzas/iq-error.js';
import { buildActivate } from '../../stanzas/bytestreams.js';
import type { Bytestream, Socks5Dialer, StreamhostListenerPort, XmppPort } from '../ports.js';
import type { Candidate } from './candidate.js';

export interface OwnCandidatesOptions {
  xmpp: XmppPort;
  dial: Socks5Dialer;
  /** Our own streamhost, when we offer direct candidates (their jid is our JID). */
  listener?: StreamhostListenerPort;
  dstAddr: string;
  /** The peer, for activation (XEP-0065 §6.3.5 <activate/> names the target) and messages. */
  peer: string;
  connectTimeoutMs: number;
  signal?: AbortSignal;
}

export interface OwnCandidates {
  /** Aborts when released; the front-end's own requests may use it. */
  readonly signal: AbortSignal;
  /** The stream through `candidate`, which the peer says it used; `sid` goes into <activate/>. */
  use(candidate: Candidate, sid: string): Promise<Bytestream>;
  /** Withdraws the listener's expectation and closes a connection to it that was not used (call once done, whatever happened). */
  release(): void;
}

export function prepareOwnCandidates(opts: OwnCandidatesOptions): OwnCandidates {
  const local = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, local.signal]) : local.signal;
  const direct = opts.listener?.expect(opts.dstAddr, signal);
  direct?.catch(() => undefined); // awaited only when the peer chose us; its failure is reported there
  let directUsed = false;
  return {
    signal,
    async use(candidate, sid) {
      if (candidate.jid === opts.xmpp.jid) {
        if (!direct) throw new Xep65Error('protocol', `${opts.peer} claims our own streamhost, which we did not offer`);
        directUsed = true;
        return { stream: await withTimeout(direct, opts.connectTimeoutMs, `${opts.peer} said it connected to us, but no connection arrived`) };
      }
      const dialed = await opts.dial({ host: candidate.host, port: candidate.port, dstAddr: opts.dstAddr, timeoutMs: opts.connectTimeoutMs, signal });
      try {
        await opts.xmpp.set(candidate.jid, buildActivate(sid, opts.peer), { timeoutMs: opts.connectTimeoutMs, signal });
      } catch (err) {
        dialed.stream.destroy();
        throw mapActivateError(err, candidate.jid);
      }
      return dialed;
    },
    release: () => {
      local.abort();
      // A connection the peer made to our streamhost that was not nominated (XEP-0260 §2.4) is closed.
      if (!directUsed) direct?.then((stream) => stream.destroy(), () => undefined);
    },
  };
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

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  const timer = new AbortController();
  const timeout = sleep(ms, undefined, { signal: timer.signal }).then(() => {
    throw new Xep65Error('no-streamhost', message);
  });
  timeout.catch(() => undefined); // cancelled once the promise settles
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    timer.abort();
  }
}

// The target's connection to the offered streamhosts (XEP-0065 §5.3.2, §6.3.2): tried in offered
// order, each one a short stagger after the previous or at once when the previous failed, so a
// dead first streamhost costs little; the first to complete SOCKS5 wins and the others are
// cancelled. When all fail, one error carries every candidate's reason.
import type { Duplex } from 'node:stream';
import { NoStreamhostError, Xep65Error, type CandidateFailure } from '../errors.js';
import type { Streamhost } from '../stanzas/bytestreams.js';
import type { Socks5Dialer } from './ports.js';

export interface ConnectStreamhostsOptions {
  dstAddr: string;
  dial: Socks5Dialer;
  /** Delay before starting the next candidate while the previous is still trying. */
  staggerMs: number;
  /** Time each candidate gets for TCP connect plus SOCKS5 handshake. */
  perHostTimeoutMs: number;
  signal?: AbortSignal;
  onFailed?: (streamhost: Streamhost, error: Error) => void;
}

export function connectToStreamhosts(
  streamhosts: readonly Streamhost[],
  opts: ConnectStreamhostsOptions,
): Promise<{ streamhost: Streamhost; stream: Duplex }> {
  if (streamhosts.length === 0) return Promise.reject(new NoStreamhostError('no streamhost was offered', []));
  return new Promise((resolve, reject) => {
    const controllers: AbortController[] = [];
    const failures: CandidateFailure[] = [];
    let next = 0;
    let settled = false;
    let staggerTimer: NodeJS.Timeout | undefined;

    const finish = (fn: () => void) => {
      settled = true;
      clearTimeout(staggerTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      controllers.forEach((c) => c.abort());
      fn();
    };
    const onAbort = () => finish(() => reject(new Xep65Error('aborted', 'cancelled')));

    const startNext = () => {
      clearTimeout(staggerTimer);
      if (settled || next >= streamhosts.length) return;
      const streamhost = streamhosts[next++]!;
      const controller = new AbortController();
      controllers.push(controller);
      opts
        .dial({ host: streamhost.host, port: streamhost.port, dstAddr: opts.dstAddr, timeoutMs: opts.perHostTimeoutMs, signal: controller.signal })
        .then(
          (stream) => {
            if (settled) return void stream.destroy();
            finish(() => resolve({ streamhost, stream }));
          },
          (err: Error) => {
            if (settled) return;
            failures.push({ candidate: streamhost.jid, error: err });
            opts.onFailed?.(streamhost, err);
            if (failures.length === streamhosts.length) {
              finish(() => reject(new NoStreamhostError('could not connect to any streamhost', failures)));
            } else {
              startNext();
            }
          },
        );
      staggerTimer = setTimeout(startNext, opts.staggerMs);
    };

    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    startNext();
  });
}

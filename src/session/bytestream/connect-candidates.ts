// Connecting to the other side's candidates (XEP-0065 §5.3.2, §6.3.2 as the target; XEP-0260 §2.3
// either side): tried in the order given, each one a short stagger after the previous or at once when the previous failed, so a
// dead first streamhost costs little. The earliest-listed candidate that completes SOCKS5 wins
// (the sender lists its preference first): a later one that succeeds first waits at most
// `graceMs` for the earlier ones still trying. The others are cancelled. When all fail, one
// error carries every candidate's reason.
import { NoStreamhostError, Xep65Error, type CandidateFailure } from '../../errors.js';
import type { Bytestream, Socks5Dialer } from '../ports.js';
import type { Candidate } from './candidate.js';

export interface ConnectCandidatesOptions {
  dstAddr: string;
  dial: Socks5Dialer;
  /** Delay before starting the next candidate while the previous is still trying. */
  staggerMs: number;
  /** The least time each candidate gets for TCP connect plus SOCKS5 handshake. */
  perHostTimeoutMs: number;
  /**
   * One budget shared by all candidates (Smack's rule): a candidate started at t gets
   * max(perHostTimeoutMs, budget left at t). Default: perHostTimeoutMs for each.
   */
  budgetMs?: number;
  /** How long a later success waits for earlier candidates still trying (default 250 ms). */
  graceMs?: number;
  signal?: AbortSignal;
  onFailed?: (candidate: Candidate, error: Error) => void;
  /** Told as each candidate is started. */
  onTried?: (candidate: Candidate) => void;
}

export function connectToCandidates<C extends Candidate>(
  streamhosts: readonly C[],
  opts: ConnectCandidatesOptions,
): Promise<{ candidate: C; bytestream: Bytestream }> {
  if (streamhosts.length === 0) return Promise.reject(new NoStreamhostError('no streamhost was offered', []));
  const deadline = Date.now() + (opts.budgetMs ?? 0);
  const timeoutFor = () => Math.max(opts.perHostTimeoutMs, deadline - Date.now());
  return new Promise((resolve, reject) => {
    const controllers: AbortController[] = [];
    const failures: CandidateFailure[] = [];
    const outcome: Array<'pending' | 'failed' | Bytestream> = streamhosts.map(() => 'pending');
    let next = 0;
    let settled = false;
    let staggerTimer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;

    const finish = (fn: () => void) => {
      settled = true;
      clearTimeout(staggerTimer);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      controllers.forEach((c) => c.abort());
      fn();
    };
    const onAbort = () => finish(() => reject(new Xep65Error('aborted', 'cancelled')));

    /** Wins with the earliest success once nothing before it is still trying (or `force`). */
    const decide = (force: boolean) => {
      const first = outcome.findIndex((o) => o !== 'failed');
      const winner = outcome.findIndex((o) => typeof o !== 'string');
      if (winner === -1 || (winner !== first && !force)) return;
      const bytestream = outcome[winner] as Bytestream;
      outcome.forEach((o, i) => i !== winner && typeof o !== 'string' && o.stream.destroy());
      finish(() => resolve({ candidate: streamhosts[winner]!, bytestream }));
    };

    const startNext = () => {
      clearTimeout(staggerTimer);
      if (settled || next >= streamhosts.length) return;
      const index = next++;
      const streamhost = streamhosts[index]!;
      const controller = new AbortController();
      controllers.push(controller);
      opts.onTried?.(streamhost);
      opts
        .dial({ host: streamhost.host, port: streamhost.port, dstAddr: opts.dstAddr, timeoutMs: timeoutFor(), signal: controller.signal })
        .then(
          (bytestream) => {
            if (settled) return void bytestream.stream.destroy();
            outcome[index] = bytestream;
            decide(false);
            if (!settled && graceTimer === undefined) graceTimer = setTimeout(() => decide(true), opts.graceMs ?? 250);
          },
          (err: Error) => {
            if (settled) return;
            outcome[index] = 'failed';
            failures.push({ candidate: streamhost.jid, error: err });
            opts.onFailed?.(streamhost, err);
            if (failures.length === streamhosts.length) {
              finish(() => reject(new NoStreamhostError('could not connect to any streamhost', failures)));
            } else {
              decide(false);
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

// Finding the server (RFC 6120 §3.2: SRV _xmpp-client._tcp, then the domain on 5222) unless
// the user named one, and logging in to the first that answers. Login refusals are final;
// only unreachable servers move on to the next candidate.
import { promises as dns } from 'node:dns';
import { Xep65Error } from '../errors.js';
import { connectXmpp, type ConnectOptions, type XmppSession } from './connect.js';
import type { ServerAddress } from './server-address.js';
import { parseJid } from '../stanzas/jid.js';

export type AccountOptions = Omit<ConnectOptions, 'server'> & {
  server?: ServerAddress;
  /** Told before each new attempt. */
  onRetry?: (error: Xep65Error, inSeconds: number) => void;
  /** Further attempts when no server could be reached (not when one refused the login). */
  retries?: number;
};

/** First pause between login attempts; it doubles each time, up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;

export async function connectAccount(opts: AccountOptions): Promise<XmppSession> {
  for (let attempt = 0, pause = RETRY_FIRST_MS; ; attempt++, pause = Math.min(pause * 2, RETRY_MAX_MS)) {
    try {
      return await connectOnce(opts);
    } catch (err) {
      const unreachable = err instanceof Xep65Error && (err.reason === 'unreachable' || err.reason === 'timed-out');
      if (!unreachable || attempt >= (opts.retries ?? 0)) throw err;
      opts.onRetry?.(err, pause / 1000);
      await sleep(pause, opts.signal);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
    const onAbort = () => (clearTimeout(timer), reject(new Xep65Error('aborted', 'cancelled')));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function connectOnce(opts: AccountOptions): Promise<XmppSession> {
  const servers = opts.server ? [opts.server] : await resolveServers(parseJid(opts.jid).domain);
  let lastError: Xep65Error | undefined;
  for (const server of servers) {
    try {
      return await connectXmpp({ ...opts, server });
    } catch (err) {
      if (!(err instanceof Xep65Error) || err.reason !== 'unreachable') throw err;
      lastError = err;
    }
  }
  throw lastError ?? new Xep65Error('connection', 'no server to connect to');
}

async function resolveServers(domain: string): Promise<ServerAddress[]> {
  try {
    const records = await dns.resolveSrv(`_xmpp-client._tcp.${domain}`);
    const usable = records.filter((r) => r.name !== '.' && r.name !== '');
    if (usable.length > 0) {
      return usable.sort((a, b) => a.priority - b.priority || b.weight - a.weight).map((r) => ({ host: r.name, port: r.port }));
    }
  } catch {
    // No SRV record (or no DNS): RFC 6120 §3.2.2 falls back to the domain itself.
  }
  return [{ host: domain, port: 5222 }];
}

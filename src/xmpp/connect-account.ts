// Finding the server (RFC 6120 §3.2: SRV _xmpp-client._tcp, then the domain on 5222) unless
// the user named one, and logging in to the first that answers. Login refusals are final;
// only unreachable servers move on to the next candidate.
import { promises as dns } from 'node:dns';
import { Xep65Error } from '../errors.js';
import { connectXmpp, type ConnectOptions, type ServerAddress, type XmppSession } from './connect.js';
import { parseJid } from '../stanzas/jid.js';

export type AccountOptions = Omit<ConnectOptions, 'server'> & { server?: ServerAddress };

export async function connectAccount(opts: AccountOptions): Promise<XmppSession> {
  const servers = opts.server ? [opts.server] : await resolveServers(parseJid(opts.jid).domain);
  let lastError: Xep65Error | undefined;
  for (const server of servers) {
    try {
      return await connectXmpp({ ...opts, server });
    } catch (err) {
      if (!(err instanceof Xep65Error) || err.code !== 'connection' || !/cannot connect/.test(err.message)) throw err;
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

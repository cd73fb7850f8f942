// `xep65 send <file> <jid>`: options to a SendRequest (src/transfer/send.ts).
import { randomBytes } from 'node:crypto';
import { Xep65Error } from '../errors.js';
import { sendFileTo, type ProxyChoice, type SendRequest } from '../transfer/send.js';
import { parseJid } from '../stanzas/jid.js';
import { resolveAccount, type AccountArgs } from './account.js';
import { parseHostPort } from './host-port.js';
import type { View } from './view.js';

export interface SendArgs extends Omit<AccountArgs, 'resource'> {
  file: string;
  to: string;
  name?: string;
  resource?: string;
  proxy?: Array<string | boolean>;
  port: number;
  host?: string[];
  direct: boolean;
  hash: boolean;
  ibb: boolean;
  offerTimeout: number;
}

export async function runSend(args: SendArgs, view: View, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<void> {
  const to = args.to;
  if (!parseJid(to).resource) {
    throw new Xep65Error('usage', `send to a full JID with a resource, such as ${to}/xep65 (file transfer goes to one client)`);
  }
  // A resource of our own, so a sender never clashes with a receiver running on the same account.
  const resource = args.resource ?? `xep65-send-${randomBytes(4).toString('hex')}`;
  const account = await resolveAccount({ ...args, resource }, env, signal);
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Xep65Error('usage', `--port: bad port ${args.port}`);
  const request: SendRequest = {
    account,
    file: args.file,
    to,
    ...(args.name !== undefined ? { name: args.name } : {}),
    proxies: proxyChoice(args.proxy),
    direct: args.direct
      ? { enabled: true, port: args.port, ...(args.host?.length ? { hosts: args.host.map((h) => parseHostPort(h, '--host')) } : {}) }
      : { enabled: false },
    hash: args.hash,
    ibb: args.ibb,
    offerTimeoutMs: args.offerTimeout * 1000,
    onEvent: (e) => view.onEvent(e),
    signal,
  };
  await sendFileTo(request);
}

function proxyChoice(proxy: Array<string | boolean> | undefined): ProxyChoice {
  if (proxy === undefined) return { mode: 'discover' };
  if (proxy.includes(false)) {
    if (proxy.some((p) => typeof p === 'string')) throw new Xep65Error('usage', '--proxy and --no-proxy cannot be used together');
    return { mode: 'none' };
  }
  const jids = proxy.filter((p): p is string => typeof p === 'string' && p !== '');
  return jids.length > 0 ? { mode: 'list', jids } : { mode: 'discover' };
}

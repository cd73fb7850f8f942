// The account every command logs in with: JID from --jid or XEP65_JID; password from
// XEP65_PASSWORD, --password-file, or a prompt on a TTY (never from argv); server from --server
// or XEP65_SERVER; extra CA from --ca-file or XEP65_CA_FILE.
import { readFile } from 'node:fs/promises';
import { Xep65Error } from '../errors.js';
import type { AccountOptions } from '../transfer/account.js';
import { parseJid } from '../stanzas/jid.js';
import { TIMEOUTS } from '../transfer/timeouts.js';
import { parseHostPort } from './host-port.js';
import { promptHidden } from './prompt.js';

export interface AccountArgs {
  jid?: string;
  passwordFile?: string;
  server?: string;
  caFile?: string;
  resource: string;
}

export async function resolveAccount(args: AccountArgs, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<AccountOptions> {
  const jid = args.jid ?? env.XEP65_JID;
  if (!jid) throw new Xep65Error('usage', 'no account: pass --jid or set XEP65_JID');
  const parts = parseJid(jid);
  if (!parts.local) throw new Xep65Error('usage', `--jid must be an account like user@example.org, not '${jid}'`);
  const bare = `${parts.local}@${parts.domain}`;
  const server = args.server ?? env.XEP65_SERVER;
  const caFile = args.caFile ?? env.XEP65_CA_FILE;
  return {
    jid: bare,
    password: await resolvePassword(args.passwordFile, env, bare, signal),
    resource: parts.resource ?? args.resource,
    ...(server ? { server: serverAddress(server) } : {}),
    ...(caFile ? { ca: await readText(caFile, '--ca-file') } : {}),
    timeoutMs: TIMEOUTS.loginMs,
    signal,
  };
}

async function resolvePassword(file: string | undefined, env: NodeJS.ProcessEnv, jid: string, signal?: AbortSignal): Promise<string> {
  if (file) {
    const text = await readText(file, '--password-file');
    const password = text.split(/\r?\n/)[0] ?? '';
    if (password === '') throw new Xep65Error('usage', `--password-file ${file} is empty`);
    return password;
  }
  if (env.XEP65_PASSWORD) return env.XEP65_PASSWORD;
  if (process.stdin.isTTY && process.stderr.isTTY) return promptHidden(`Password for ${jid}: `, signal);
  throw new Xep65Error('usage', 'no password: set XEP65_PASSWORD or pass --password-file FILE');
}

function serverAddress(value: string): { host: string; port: number } {
  const { host, port } = parseHostPort(value, '--server');
  return { host, port: port ?? 5222 };
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Xep65Error('usage', `${what}: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

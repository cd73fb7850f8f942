// The account every command logs in with: JID from --jid, XEP65_JID or the config file; password
// from --password-file, XEP65_PASSWORD, the file's password-file or password, or a prompt on a
// TTY (never from argv); server from --server, XEP65_SERVER or the file; extra CA from --ca-file,
// XEP65_CA_FILE or the file. Flags beat the environment, which beats the file.
import { readFile } from 'node:fs/promises';
import { Xep65Error } from '../errors.js';
import type { AccountOptions } from '../transfer/account.js';
import { parseJid } from '../stanzas/jid.js';
import { TIMEOUTS } from '../transfer/timeouts.js';
import { parseHostPort } from './host-port.js';
import { promptHidden } from './prompt.js';
import { parseDuration } from './units.js';
import { configString, type Config } from './config-file.js';
import type { CommandContext } from './command.js';

export interface AccountArgs {
  jid?: string;
  passwordFile?: string;
  server?: string;
  caFile?: string;
  resource: string;
  /** Login attempts after the first when the server cannot be reached (--retry). */
  retry?: number;
  /** DURATION for the login (--connect-timeout). */
  connectTimeout?: string;
}

export async function resolveAccount(
  args: AccountArgs,
  ctx: Pick<CommandContext, 'env' | 'config' | 'trace' | 'onEvent'>,
  signal?: AbortSignal,
): Promise<AccountOptions> {
  const { env } = ctx;
  const file = ctx.config.values;
  const jid = args.jid ?? env.XEP65_JID ?? configString(file, 'jid');
  if (!jid) throw new Xep65Error('usage', 'no account: pass --jid or set XEP65_JID (or set jid in the config file)');
  const parts = parseJid(jid);
  if (!parts.local) throw new Xep65Error('usage', `--jid must be an account like user@example.org, not '${jid}'`);
  const bare = `${parts.local}@${parts.domain}`;
  const server = args.server ?? env.XEP65_SERVER ?? configString(file, 'server');
  const caFile = args.caFile ?? env.XEP65_CA_FILE ?? configString(file, 'ca-file');
  return {
    jid: bare,
    password: await resolvePassword(args.passwordFile, env, bare, signal, file),
    resource: parts.resource ?? args.resource,
    ...(server ? { server: serverAddress(server) } : {}),
    ...(caFile ? { ca: await readText(caFile, '--ca-file') } : {}),
    timeoutMs: loginTimeoutMs(args.connectTimeout ?? configString(file, 'connect-timeout')),
    retries: args.retry ?? (typeof file.retry === 'number' ? file.retry : 0),
    ...(ctx.trace ? { trace: ctx.trace } : {}),
    onRetry: (error, seconds) => ctx.onEvent?.({ kind: 'login-retry', error, seconds }),
    signal,
  };
}

function loginTimeoutMs(text: string | undefined): number {
  return text === undefined ? TIMEOUTS.loginMs : parseDuration(text, '--connect-timeout') * 1000;
}

async function resolvePassword(flag: string | undefined, env: NodeJS.ProcessEnv, jid: string, signal: AbortSignal | undefined, config: Config): Promise<string> {
  const file = flag ?? (env.XEP65_PASSWORD ? undefined : configString(config, 'password-file'));
  if (file) {
    const text = await readText(file, '--password-file');
    const password = text.split(/\r?\n/)[0] ?? '';
    if (password === '') throw new Xep65Error('usage', `--password-file ${file} is empty`);
    return password;
  }
  if (env.XEP65_PASSWORD) return env.XEP65_PASSWORD;
  const stored = configString(config, 'password');
  if (stored) return stored;
  if (process.stdin.isTTY && process.stderr.isTTY) return promptHidden(`Password for ${jid}: `, signal);
  throw new Xep65Error('usage', 'no password: set XEP65_PASSWORD or pass --password-file FILE (or set password-file in the config file)');
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

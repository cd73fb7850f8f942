// `xep65 proxy`: options to a ProxyRequest (src/transfer/proxy.ts). The component secret comes
// from --secret-file or XEP65_COMPONENT_SECRET, never from argv. SIGUSR1 prints the counters.
import { readFile } from 'node:fs/promises';
import { Xep65Error } from '../errors.js';
import { parseJid } from '../stanzas/jid.js';
import { TIMEOUTS } from '../transfer/timeouts.js';
import { parseHostPort } from './host-port.js';
import type { View } from './view.js';
import type { Argv, CommandModule } from 'yargs';
import { configFor, type CommandContext } from './command.js';
import { EXIT } from './exit-codes.js';
import { configString, type Config } from './config-file.js';

export function proxyCommand(ctx: CommandContext): CommandModule {
  return {
    command: 'proxy',
    describe: 'run an XEP-0065 SOCKS5 proxy as an XMPP external component (XEP-0114) until interrupted',
    builder: (y: Argv) =>
      y
        .option('component', { type: 'string', describe: 'the component JID the server routes to us, e.g. proxy.example.org (env XEP65_COMPONENT)' })
        .option('secret-file', { type: 'string', describe: 'read the component secret from the first line of FILE (or env XEP65_COMPONENT_SECRET)' })
        .option('listen', { type: 'string', default: PROXY_DEFAULTS.listen, describe: 'accept SOCKS5 connections on ADDR:PORT ([V6]:PORT; :PORT for every interface; port 0 picks one)' })
        .option('public-host', { type: 'string', describe: 'the address requesters and targets connect to (default: the --listen address)' })
        .option('public-port', { type: 'number', describe: 'the port they connect to (default: the port we listen on)' })
        .option('allow', { type: 'string', array: true, describe: "requesters allowed: JID, domain or '*' (repeatable; default: the server's domain)" })
        .option('deny', { type: 'string', array: true, describe: 'requesters refused, even if allowed: JID or domain (repeatable)' })
        .option('activation-timeout', { type: 'number', default: PROXY_DEFAULTS.activationTimeout, describe: 'seconds a connection may wait for activation' })
        .option('max-connections', { type: 'number', default: PROXY_DEFAULTS.maxConnections, describe: 'SOCKS5 connections open at once' })
        .option('max-per-address', { type: 'number', default: PROXY_DEFAULTS.maxPerAddress, describe: 'SOCKS5 connections open at once from one IP address' })
        .option('max-active', { type: 'number', default: PROXY_DEFAULTS.maxActive, describe: 'bytestreams relaying at once' })
        .config(configFor(ctx.config, [])),
    handler: (argv) =>
      ctx.choose(async (view, signal) => {
        await runProxy(argv as unknown as ProxyArgs, view, ctx.env, signal, ctx.config.values);
        return EXIT.ok;
      }),
  };
}

export interface ProxyArgs {
  component?: string;
  secretFile?: string;
  server?: string;
  listen: string;
  publicHost?: string;
  publicPort?: number;
  allow?: string[];
  deny?: string[];
  activationTimeout: number;
  maxConnections: number;
  maxPerAddress: number;
  maxActive: number;
}

/** XEP-0114 servers commonly take components on 5347 (Prosody's and ejabberd's examples). */
const DEFAULT_COMPONENT_PORT = 5347;

export async function runProxy(args: ProxyArgs, view: View, env: NodeJS.ProcessEnv, signal: AbortSignal, file: Config = {}): Promise<void> {
  const fromFile = (key: string) => configString(file, key);
  const jid = args.component ?? env.XEP65_COMPONENT ?? fromFile('component');
  if (!jid) throw new Xep65Error('usage', 'no component: pass --component JID (the name the server gives the component, e.g. proxy.example.org)');
  const parts = parseJid(jid);
  if (parts.local || parts.resource) throw new Xep65Error('usage', `--component must be a domain like proxy.example.org, not '${jid}'`);
  const listen = parseListen(args.listen);
  const publicHost = args.publicHost ?? (isWildcard(listen.host) ? undefined : listen.host);
  if (publicHost === undefined) {
    throw new Xep65Error('usage', `--listen ${args.listen} binds every interface: say which address requesters should use with --public-host ADDR`);
  }
  checkCount(args.activationTimeout, '--activation-timeout');
  checkCount(args.maxConnections, '--max-connections');
  checkCount(args.maxPerAddress, '--max-per-address');
  checkCount(args.maxActive, '--max-active');
  if (args.publicPort !== undefined && !(Number.isInteger(args.publicPort) && args.publicPort > 0 && args.publicPort < 65536)) {
    throw new Xep65Error('usage', `--public-port must be a port number, not ${args.publicPort}`);
  }
  const server = parseHostPort(args.server ?? env.XEP65_SERVER ?? fromFile('server') ?? 'localhost', '--server');

  const { startProxy } = await import('../transfer/proxy.js');
  const proxy = await startProxy({
    component: { jid, secret: await readSecret(args.secretFile ?? (env.XEP65_COMPONENT_SECRET ? undefined : fromFile('secret-file')), env), server: { host: server.host, port: server.port ?? DEFAULT_COMPONENT_PORT } },
    listen,
    streamhost: { host: publicHost, ...(args.publicPort !== undefined ? { port: args.publicPort } : {}) },
    policy: { allow: args.allow ?? [serverDomain(jid)], deny: args.deny ?? [] },
    activationTimeoutMs: args.activationTimeout * 1000,
    maxConnections: args.maxConnections,
    maxPerAddress: args.maxPerAddress,
    maxActive: args.maxActive,
    onEvent: (e) => view.onEvent(e),
    signal,
  });
  const printCounters = () => view.onEvent({ kind: 'counters', counters: proxy.counters() });
  process.on('SIGUSR1', printCounters);
  try {
    view.onEvent({ kind: 'counters', counters: await proxy.done });
  } finally {
    process.off('SIGUSR1', printCounters);
  }
}

/** The component's parent domain (proxy.example.org → example.org): whose users it serves by default. */
export function serverDomain(componentJid: string): string {
  const dot = componentJid.indexOf('.');
  return dot === -1 || dot === componentJid.length - 1 ? componentJid : componentJid.slice(dot + 1);
}

/** ADDR:PORT, [V6]:PORT or :PORT (every interface, IPv6 and IPv4); port 0 picks a free one. */
function parseListen(value: string): { host?: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Xep65Error('usage', `--listen takes ADDR:PORT, [ADDR]:PORT or :PORT, not '${value}'`);
  const host = m[1] ?? m[2];
  return host ? { host, port } : { port };
}

/** Every interface of a family: nobody can connect to that address, so it cannot be advertised. */
function isWildcard(host: string | undefined): boolean {
  return host === undefined || host === '0.0.0.0' || host === '::';
}

function checkCount(n: number, what: string): void {
  if (!Number.isFinite(n) || n <= 0) throw new Xep65Error('usage', `${what} must be a positive number, not ${n}`);
}

async function readSecret(file: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new Xep65Error('usage', `--secret-file: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
    const secret = text.split(/\r?\n/)[0] ?? '';
    if (secret === '') throw new Xep65Error('usage', `--secret-file ${file} is empty`);
    return secret;
  }
  if (env.XEP65_COMPONENT_SECRET) return env.XEP65_COMPONENT_SECRET;
  throw new Xep65Error('usage', 'no component secret: set XEP65_COMPONENT_SECRET or pass --secret-file FILE');
}

export const PROXY_DEFAULTS = {
  listen: ':7777',
  activationTimeout: TIMEOUTS.activationMs / 1000,
  maxConnections: 2048,
  maxPerAddress: 256,
  maxActive: 1024,
} as const;

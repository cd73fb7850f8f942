// `xep65 send FILE... RECIPIENT`: files, directories (file by file, or --tar) and standard input
// (-) to SendRequests (src/transfer/send.ts), one offer at a time or --parallel N at once.
import { randomBytes } from 'node:crypto';
import type { Argv, CommandModule } from 'yargs';
import { Xep65Error } from '../errors.js';
import type { ProxyChoice, SendRun } from '../transfer/send.js';
import type { SendSource } from '../transfer/send-sources.js';
import { parseJid } from '../stanzas/jid.js';
import { TIMEOUTS } from '../transfer/timeouts.js';
import { PROTOCOL_REQUESTS, type ProtocolRequest } from '../transfer/protocol-choice.js';
import { resolveAccount, type AccountArgs } from './account.js';
import { configFor, STDIN_ARG, type CommandContext } from './command.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { parseHostPort } from './host-port.js';
import { parseDuration, parseSize } from './units.js';
import type { View } from './view.js';

export interface SendArgs extends Omit<AccountArgs, 'resource'> {
  paths: string[];
  name?: string;
  resource?: string;
  proxy?: Array<string | boolean>;
  port: number;
  host?: string[];
  direct: boolean;
  hash: boolean;
  protocol: string;
  ibb: boolean;
  offerTimeout: number;
  tar: boolean;
  parallel: number;
  size?: string;
  timeout?: string;
}

const CONFIG_KEYS = ['proxy', 'direct', 'host', 'port', 'ibb', 'hash', 'protocol'];

export function sendCommand(ctx: CommandContext): CommandModule {
  return {
    command: 'send <paths..>',
    describe: 'offer files to a contact: send FILE... RECIPIENT (a bare JID user@host, whose best online resource is chosen from its presence, or a full JID user@host/resource); a FILE may be a directory, or - for standard input',
    builder: (y: Argv) =>
      y
        .positional('paths', { type: 'string', array: true, describe: 'files, directories or - (standard input), then the recipient' })
        .option('name', { type: 'string', describe: 'offer the (one) file under this name; for - the default is "stdin"' })
        .option('size', { type: 'string', describe: 'with -: the size standard input must have (else nothing is sent; exit 6)' })
        .option('tar', { type: 'boolean', default: false, describe: 'send each directory as one tar file instead of file by file' })
        .option('parallel', { type: 'number', default: 1, describe: 'offer up to N files at once' })
        .option('resource', { type: 'string', describe: 'our resource (default: xep65-send-<random>)' })
        .option('proxy', { type: 'string', array: true, describe: 'use this SOCKS5 proxy JID instead of discovery (repeatable); --no-proxy: none' })
        .option('direct', { type: 'boolean', default: true, describe: 'offer our own streamhost; --no-direct offers only proxies' })
        .option('port', { type: 'number', default: 0, describe: 'port of our streamhost (0: any free port)' })
        .option('host', { type: 'string', array: true, describe: "advertise our streamhost at ADDR[:PORT] (repeatable; default: this machine's addresses)" })
        .option('hash', { type: 'boolean', default: false, describe: 'hash the file before the offer and put the hash in it (SI: MD5; Jingle: SHA-256, which Jingle also sends after the data anyway); costs a read of the file first' })
        .option('protocol', { type: 'string', default: 'auto', describe: 'auto (Jingle when the recipient announces Jingle file transfer, else SI), jingle or si' })
        .option('ibb', { type: 'boolean', default: true, describe: 'offer In-Band Bytestreams (XEP-0047) too, and fall back to them when no SOCKS5 connection works; --no-ibb: never' })
        .option('offer-timeout', { type: 'number', default: TIMEOUTS.offerMs / 1000, describe: 'seconds the receiver has to accept' })
        .option('timeout', { type: 'string', describe: 'give up when everything is not sent within DURATION (exit 7)' })
        .config(configFor(ctx.config, CONFIG_KEYS)),
    handler: (argv) =>
      ctx.choose(async (view, signal) => {
        const failures = await runSend(argv as unknown as SendArgs, view, ctx, signal);
        return failures.length > 0 ? exitCodeFor(failures[0]!.code) : EXIT.ok;
      }),
  };
}

/** Resolves with the failures of the files that could not be sent (empty when all were). */
export async function runSend(args: SendArgs, view: View, ctx: CommandContext, outer: AbortSignal): Promise<Xep65Error[]> {
  if (args.paths.length < 2) throw new Xep65Error('usage', 'name what to send and the recipient: xep65 send FILE... user@host[/resource]');
  const to = args.paths.at(-1)!;
  parseJid(to); // a bare JID is resolved to the contact's best resource from its presence
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Xep65Error('usage', `--port: bad port ${args.port}`);
  if (!(PROTOCOL_REQUESTS as readonly string[]).includes(args.protocol)) throw new Xep65Error('usage', `--protocol must be auto, jingle or si, not ${args.protocol}`);
  if (!Number.isInteger(args.parallel) || args.parallel < 1) throw new Xep65Error('usage', `--parallel must be a whole number ≥ 1, not ${args.parallel}`);
  const signal = args.timeout === undefined ? outer : AbortSignal.any([outer, timeoutSignal(parseDuration(args.timeout, '--timeout'))]);
  // Once, before standard input is read: a password prompt asks once, a missing one fails first.
  const base = await resolveAccount({ ...args, resource: args.resource ?? '' }, ctx, signal);
  // Loaded here, not at start-up: `--help` and the other commands need none of it.
  const [{ openSendRun }, { expandSources }] = await Promise.all([import('../transfer/send.js'), import('../transfer/send-sources.js')]);
  const expanded = await expandSources(args.paths.slice(0, -1).map((p) => (p === STDIN_ARG ? '-' : p)), {
    tar: args.tar,
    ...(args.name !== undefined ? { name: args.name } : {}),
    ...(args.size !== undefined ? { stdinSize: parseSize(args.size, '--size') } : {}),
    stdin: process.stdin,
    signal,
  });
  let run: SendRun | undefined;
  let stopForwarding = () => {};
  try {
    // One login for the run: a resource of our own, so a sender never clashes with a receiver on the same account.
    run = await openSendRun({
      account: { ...base, resource: base.resource || `xep65-send-${randomBytes(4).toString('hex')}` },
      to,
      proxies: proxyChoice(args.proxy),
      direct: args.direct
        ? { enabled: true, port: args.port, ...(args.host?.length ? { hosts: args.host.map((h) => parseHostPort(h, '--host')) } : {}) }
        : { enabled: false },
      hash: args.hash,
      protocol: args.protocol as ProtocolRequest,
      ibb: args.ibb,
      offerTimeoutMs: args.offerTimeout * 1000,
      onEvent: (e) => view.onEvent(e),
      signal,
    });
    await run.ready();
    const sender = run;
    // Each file its own signal, whose listeners go with it; the run's signal gets one listener
    // for all of them, so --parallel N never piles N listeners onto it.
    const inFlight = new Set<AbortController>();
    const abortAll = () => inFlight.forEach((c) => c.abort(signal.reason));
    signal.addEventListener('abort', abortAll, { once: true });
    stopForwarding = () => signal.removeEventListener('abort', abortAll);
    const one = async (source: SendSource) => {
      const own = new AbortController();
      if (signal.aborted) own.abort(signal.reason);
      inFlight.add(own);
      try {
        await sender.send(source.path, source.name, own.signal);
      } finally {
        inFlight.delete(own);
      }
    };
    const failures = await eachLimited(expanded.sources, args.parallel, one, signal);
    // One file: its error is the command's error (one line, its exit status). Several: each
    // failure is reported as it is, naming the file, and the first decides the exit status.
    if (expanded.sources.length === 1 && failures.length === 1) throw failures[0]!.error;
    for (const { source, error } of failures) view.error(new Xep65Error(error.code, `${source.name}: ${error.message}`, { cause: error }), exitCodeFor(error.code));
    return failures.map((f) => f.error);
  } finally {
    stopForwarding();
    await run?.close();
    await expanded.cleanup();
  }
}

/** Runs `fn` over `items`, at most `limit` at once; a failure is reported and the rest go on (unless cancelled). */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>, signal: AbortSignal): Promise<Array<{ source: T; error: Xep65Error }>> {
  const failures: Array<{ source: T; error: Xep65Error }> = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (err) {
        const error = err instanceof Xep65Error ? err : new Xep65Error('internal', String(err), { cause: err });
        if (error.code === 'aborted' || error.code === 'usage') throw timeoutOr(error, signal);
        failures.push({ source: item, error: timeoutOr(error, signal) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (signal.aborted && failures.length === 0) throw timeoutOr(new Xep65Error('aborted', 'cancelled'), signal);
  return failures;
}

/** A transfer cut short by --timeout is a timeout (exit 7), whatever the layer below called it. */
function timeoutOr(error: Xep65Error, signal: AbortSignal): Xep65Error {
  const reason: unknown = signal.reason;
  return reason instanceof Xep65Error && reason.code === 'timeout' ? new Xep65Error('timeout', reason.message, { cause: error }) : error;
}

function timeoutSignal(seconds: number): AbortSignal {
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(new Xep65Error('timeout', `not sent within --timeout ${seconds} s`)), seconds * 1000).unref();
  return ctl.signal;
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

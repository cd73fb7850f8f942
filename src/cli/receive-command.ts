// `xep65 receive`: options to a ReceiveRequest (src/transfer/receive.ts): where files go (--dir,
// or --stdout for one file), which offers are taken (accept rules), what happens to existing
// names, and what runs after each saved file (--exec).
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { Xep65Error } from '../errors.js';
import { childEnv } from '../transfer/child-env.js';
import type { ReceiveSink } from '../transfer/receive.js';
import { resolveAccount, type AccountArgs } from './account.js';
import { createAcceptPolicy, senderMatches } from './accept-policy.js';
import { bareJid } from '../stanzas/jid.js';
import { configFor, type CommandContext } from './command.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { parseDuration, parseSize } from './units.js';
import { parseHostPort } from './host-port.js';
import type { View } from './view.js';

export interface ReceiveArgs extends AccountArgs {
  dir: string;
  acceptAll: boolean;
  from?: string[];
  approve: boolean;
  priority: number;
  maxSize?: string;
  overwrite: boolean;
  rename: boolean;
  skipExisting: boolean;
  keepPartial: boolean;
  resume: boolean;
  count?: number;
  timeout?: string;
  exec?: string;
  stdout: boolean;
  ibb: boolean;
  direct: boolean;
  port: number;
  host?: string[];
  json?: boolean;
}

// Not 'port': a receiver and a sender on one machine would fight over one configured port.
const CONFIG_KEYS = ['dir', 'accept-all', 'from', 'approve', 'priority', 'max-size', 'exec', 'overwrite', 'rename', 'skip-existing', 'keep-partial', 'resume', 'ibb', 'direct', 'host'];

export function receiveCommand(ctx: CommandContext): CommandModule {
  return {
    command: 'receive',
    describe: 'wait for files and save them',
    builder: (y: Argv) =>
      y
        .option('dir', { type: 'string', default: '.', describe: 'save into this directory' })
        .option('stdout', { type: 'boolean', default: false, describe: 'write the one file received to standard output (implies --count 1)' })
        .option('resource', { type: 'string', default: 'xep65', describe: 'our resource; senders address user@host/<resource>' })
        .option('accept-all', { type: 'boolean', default: false, describe: 'accept every offer (within --max-size)' })
        .option('from', { type: 'string', array: true, describe: 'accept only from this JID or domain (repeatable)' })
        .option('approve', { type: 'boolean', default: true, describe: 'approve subscription requests from senders --from or --accept-all allows, so they see us online; --no-approve: none' })
        .option('priority', { type: 'number', default: -1, describe: 'presence priority, -128..127 (-1: the server never routes chat messages to us; a bare-JID sender prefers the highest)' })
        .option('max-size', { type: 'string', describe: 'decline offers larger than SIZE (e.g. 500M, 2GiB)' })
        .option('count', { type: 'number', describe: 'exit after N transfers ended' })
        .option('timeout', { type: 'string', describe: 'stop waiting for offers after DURATION; exit 7 if nothing arrived' })
        .option('exec', { type: 'string', describe: 'run the shell command CMD with each saved file\'s path as its argument' })
        .option('overwrite', { type: 'boolean', default: false, describe: 'replace an existing file' })
        .option('rename', { type: 'boolean', default: false, describe: 'save next to an existing file as "name (1).ext" (the default)' })
        .option('skip-existing', { type: 'boolean', default: false, describe: 'decline an offer whose file already exists' })
        .option('keep-partial', { type: 'boolean', default: false, describe: 'keep the .part file of a failed or interrupted transfer' })
        .option('resume', { type: 'boolean', default: false, describe: 'keep what a failed transfer received, and when the same file is offered again (same sender, name, size, and date or hash) ask only for the rest' })
        .option('ibb', { type: 'boolean', default: true, describe: 'accept In-Band Bytestreams (XEP-0047) when offered or as the fallback; --no-ibb refuses them' })
        .option('direct', { type: 'boolean', default: true, describe: 'Jingle: offer our own streamhost as direct candidates (XEP-0260); --no-direct: only connect to the sender\'s' })
        .option('port', { type: 'number', default: 0, describe: 'Jingle: port of our streamhost (0: any free port)' })
        .option('host', { type: 'string', array: true, describe: "Jingle: advertise our streamhost at ADDR[:PORT] (repeatable; default: this machine's addresses)" })
        .config(configFor(ctx.config, CONFIG_KEYS)),
    handler: (argv) =>
      ctx.choose(async (view, signal) => {
        const failures = await runReceive(argv as unknown as ReceiveArgs, view, ctx, signal);
        const last = failures.at(-1);
        return last ? exitCodeFor(last.code) : EXIT.ok;
      }),
  };
}

/** Resolves with the failures of the transfers that ended (empty when all were saved). */
export async function runReceive(args: ReceiveArgs, view: View, ctx: CommandContext, signal: AbortSignal): Promise<Xep65Error[]> {
  if (args.count !== undefined && (!Number.isInteger(args.count) || args.count < 1)) {
    throw new Xep65Error('usage', `--count must be a positive whole number, not ${args.count}`);
  }
  if ([args.overwrite, args.rename, args.skipExisting].filter(Boolean).length > 1) {
    throw new Xep65Error('usage', 'choose one of --overwrite, --rename and --skip-existing');
  }
  if (args.stdout && args.count !== undefined && args.count !== 1) throw new Xep65Error('usage', '--stdout receives one file: --count must be 1');
  if (args.stdout && args.json) throw new Xep65Error('usage', '--stdout and --json both want standard output');
  if (args.stdout && args.resume) throw new Xep65Error('usage', '--resume keeps a part file in --dir: not with --stdout');
  const sink: ReceiveSink = args.stdout
    ? { kind: 'fd', fd: 1 }
    : { kind: 'dir', dir: await checkDir(args.dir), existing: args.overwrite ? 'overwrite' : args.skipExisting ? 'skip' : 'rename', keepPartial: args.keepPartial, resume: args.resume };
  const maxSize = args.maxSize === undefined ? undefined : parseSize(args.maxSize, '--max-size');
  const deadlineMs = args.timeout === undefined ? undefined : parseDuration(args.timeout, '--timeout') * 1000;
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) throw new Xep65Error('usage', `--port: bad port ${args.port}`);
  const direct = args.direct
    ? { enabled: true as const, port: args.port, ...(args.host?.length ? { hosts: args.host.map((h) => parseHostPort(h, '--host')) } : {}) }
    : { enabled: false as const };
  if (!Number.isInteger(args.priority) || args.priority < -128 || args.priority > 127) throw new Xep65Error('usage', `--priority must be a whole number from -128 to 127, not ${args.priority}`);
  const account = await resolveAccount(args, ctx, signal);
  const decide = createAcceptPolicy(
    {
      acceptAll: args.acceptAll,
      from: args.from ?? [],
      ...(maxSize !== undefined ? { maxSize } : {}),
      interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
    },
    signal,
  );
  const count = args.stdout ? 1 : args.count;
  const { receiveFiles } = await import('../transfer/receive.js');
  const result = await receiveFiles({
    account,
    sink,
    ...(count !== undefined ? { count } : {}),
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    ...(args.exec !== undefined ? { afterSave: (path: string) => runExec(args.exec!, path, view) } : {}),
    ibb: args.ibb,
    direct,
    decide,
    priority: args.priority,
    ...(args.approve ? { approveSubscription: subscriptionRule(args.acceptAll, args.from ?? []) } : {}),
    onEvent: (e) => view.onEvent(e),
    signal,
  });
  return result.failures;
}

/** Whose subscription requests we approve: with --accept-all anyone, else those --from names (a full-JID rule by its bare JID). */
function subscriptionRule(acceptAll: boolean, from: string[]): ((bare: string) => boolean) | undefined {
  if (acceptAll) return () => true;
  if (from.length === 0) return undefined;
  return (bare) => from.some((rule) => senderMatches(bare, rule.includes('/') ? bareJid(rule) : rule));
}

async function checkDir(dir: string): Promise<string> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new Xep65Error('usage', `--dir ${dir} is not a directory`);
  return dir;
}

/** `sh -c 'CMD "$1"' xep65 PATH`: the path is an argument, never parsed by the shell. Its output goes to stderr. */
async function runExec(command: string, path: string, view: View): Promise<void> {
  const child = spawn('/bin/sh', ['-c', `${command} "$1"`, 'xep65', path], { stdio: ['ignore', 2, 2], env: childEnv() });
  const status = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(127));
    child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  });
  view.onEvent({ kind: 'exec', path, command, status });
  if (status !== 0) throw new Xep65Error('io', `--exec '${command}' exited ${status} for ${path}`);
}

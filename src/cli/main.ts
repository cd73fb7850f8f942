// The command line: parses arguments (yargs), wires signals, runs one command and turns its
// outcome into one exit status from the table in exit-codes.ts. The bin shim exits with it.
import { peakRssBytes } from './peak-rss.js';
import { packageVersion } from './version.js';
import { createRequire } from 'node:module';
import type { Argv } from 'yargs';
import type yargsFactory from 'yargs';
import { Xep65Error, toXep65Error } from '../errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { receiveCommand } from './receive-command.js';
import { sendCommand } from './send-command.js';
import { proxyCommand } from './proxy-command.js';
import { discoverCommand } from './discover-command.js';
import { configCommand } from './config-command.js';
import { contactCommand } from './contact-command.js';
import { loadConfig } from './config-file.js';
import { STDIN_ARG, type Command, type CommandContext } from './command.js';
import { createView } from './view.js';
import { createJsonView } from './json-view.js';

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

interface GlobalArgs {
  verbose?: number;
  quiet?: boolean;
  json?: boolean;
}

export async function main(args: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let command: Command | undefined;
  let ctx: CommandContext | undefined;
  let verbose = 0;
  let quiet = false;
  let json = false;
  try {
    const config = loadConfig(configArg(args), io.env);
    ctx = { env: io.env, config, choose: (c) => (command = c) };
    const argv = await parser(args.map((a) => (a === '-' ? STDIN_ARG : a)), ctx, io).parseAsync();
    verbose = Number(argv.verbose ?? 0);
    quiet = argv.quiet === true;
    if (quiet && verbose > 0) throw new Xep65Error('usage', '--quiet and --verbose cannot be used together');
    json = argv.json === true;
  } catch (err) {
    io.stderr.write(`xep65: ${(err as Error).message}\nTry 'xep65 --help'.\n`);
    return EXIT.usage;
  }
  if (!command) return EXIT.ok; // --help or --version was shown

  const view = json ? createJsonView(io.stdout) : await createView({ verbose, quiet, stdout: io.stdout, stderr: io.stderr, env: io.env });
  view.onEvent({ kind: 'timing', phase: 'startup', ms: Math.round(performance.now()) });
  if (verbose >= 2 && ctx) ctx.trace = (direction, xml) => view.onEvent({ kind: 'xml', direction, xml });
  if (ctx) ctx.onEvent = (e) => view.onEvent(e);
  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signalled = sig;
    controller.abort(new Xep65Error('aborted', `interrupted by ${sig}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await command(view, controller.signal);
  } catch (err) {
    if (signalled) return signalled === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
    const error = toXep65Error(err);
    view.error(error, exitCodeFor(error.code));
    return exitCodeFor(error.code);
  } finally {
    const usage = process.resourceUsage();
    view.stats({ peakRssBytes: peakRssBytes(), cpuUserSeconds: usage.userCPUTime / 1e6, cpuSystemSeconds: usage.systemCPUTime / 1e6 });
    view.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// yargs' CommonJS build: its ESM build lays out help with a wrap that cuts words in two
// ("XE" / "P-0096"); the CommonJS one wraps at word boundaries (wrap-ansi).
const yargs = createRequire(import.meta.url)('yargs/yargs') as typeof yargsFactory;

/** Help wraps at word boundaries at the terminal's width, or 80 columns when not a terminal. */
function helpWidth(io: Io): number {
  const columns = io.stdout.isTTY ? io.stdout.columns : undefined;
  return Math.max(40, columns ?? 80);
}

function parser(args: string[], c: CommandContext, io: Io): Argv<GlobalArgs> {
  return yargs(args)
    .scriptName('xep65')
    .usage('$0 <command> [options]\n\nXMPP file transfer: Jingle File Transfer (XEP-0234) or SI (XEP-0096), over SOCKS5 Bytestreams (XEP-0065) or in-band.')
    .strict()
    .wrap(helpWidth(io))
    .exitProcess(false)
    .fail((message, err) => {
      throw err ?? new Xep65Error('usage', message);
    })
    .option('config', { type: 'string', describe: 'read settings from FILE (default $XDG_CONFIG_HOME/xep65/config)', global: true })
    .option('jid', { type: 'string', describe: 'account JID (env XEP65_JID)', global: true })
    .option('password-file', { type: 'string', describe: 'read the password from the first line of FILE (or env XEP65_PASSWORD)', global: true })
    .option('server', { type: 'string', describe: 'connect to HOST[:PORT] instead of resolving the JID domain (env XEP65_SERVER)', global: true })
    .option('ca-file', { type: 'string', describe: 'also trust this PEM CA certificate (env XEP65_CA_FILE)', global: true })
    .option('connect-timeout', { type: 'string', describe: 'give up logging in after DURATION (e.g. 20s; default 20s)', global: true })
    .option('retry', { type: 'number', describe: 'try logging in N more times when the server cannot be reached (default 0)', global: true })
    .option('verbose', { alias: 'v', type: 'count', describe: 'say more: the negotiation and timings (-v), the XML with credentials hidden (-vv)', global: true })
    .option('quiet', { alias: 'q', type: 'boolean', describe: 'print only errors on stderr (results still go to stdout)', global: true })
    .option('json', { type: 'boolean', describe: 'print one JSON object per event on stdout instead of messages', global: true })
    .command(sendCommand(c))
    .command(receiveCommand(c))
    .command(proxyCommand(c))
    .command(discoverCommand(c))
    .command(contactCommand(c))
    .command(configCommand(c))
    .completion('completion', 'print a bash/zsh completion script (source it from your shell\'s rc file)')
    .demandCommand(1, 'name a command: send, receive, contact, proxy, discover or config')
    .help()
    .version(packageVersion()) as unknown as Argv<GlobalArgs>;
}

/** --config FILE or --config=FILE, read before yargs parses: the file supplies option values. */
function configArg(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') return undefined;
    if (args[i] === '--config') return args[i + 1];
    if (args[i]!.startsWith('--config=')) return args[i]!.slice('--config='.length);
  }
  return undefined;
}

// The command line: parses arguments (yargs), wires signals, runs one command and turns its
// outcome into one exit status from the table in exit-codes.ts. The bin shim exits with it.
import yargs, { type Argv } from 'yargs';
import { Xep65Error, toXep65Error } from '../errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { runReceive, type ReceiveArgs } from './receive-command.js';
import { runSend, type SendArgs } from './send-command.js';
import { runProxy, PROXY_DEFAULTS, type ProxyArgs } from './proxy-command.js';
import { createView, type View } from './view.js';
import { createJsonView } from './json-view.js';
import { TIMEOUTS } from '../transfer/timeouts.js';

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

type Command = (view: View, signal: AbortSignal) => Promise<number>;

export async function main(args: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let command: Command | undefined;
  let verbose = false;
  let json = false;
  try {
    const argv = await parser(args, io.env, (c) => (command = c)).parseAsync();
    verbose = Number(argv.verbose ?? 0) > 0;
    json = argv.json === true;
  } catch (err) {
    io.stderr.write(`xep65: ${(err as Error).message}\nTry 'xep65 --help'.\n`);
    return EXIT.usage;
  }
  if (!command) return EXIT.ok; // --help or --version was shown

  const view = json ? createJsonView(io.stdout) : await createView({ verbose, stdout: io.stdout, stderr: io.stderr, env: io.env });
  view.onEvent({ kind: 'timing', phase: 'startup', ms: Math.round(performance.now()) });
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
    view.stats({ peakRssBytes: usage.maxRSS * 1024, cpuUserSeconds: usage.userCPUTime / 1e6, cpuSystemSeconds: usage.systemCPUTime / 1e6 });
    view.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parser(args: string[], env: NodeJS.ProcessEnv, choose: (c: Command) => void): Argv<{ verbose?: number; json?: boolean }> {
  return yargs(args)
    .scriptName('xep65')
    .usage('$0 <command> [options]\n\nXMPP file transfer over SOCKS5 Bytestreams (XEP-0065), negotiated with XEP-0096.')
    .strict()
    .wrap(100)
    .exitProcess(false)
    .fail((message, err) => {
      throw err ?? new Xep65Error('usage', message);
    })
    .option('jid', { type: 'string', describe: 'account JID (env XEP65_JID)', global: true })
    .option('password-file', { type: 'string', describe: 'read the password from the first line of FILE (or env XEP65_PASSWORD)', global: true })
    .option('server', { type: 'string', describe: 'connect to HOST[:PORT] instead of resolving the JID domain (env XEP65_SERVER)', global: true })
    .option('ca-file', { type: 'string', describe: 'also trust this PEM CA certificate (env XEP65_CA_FILE)', global: true })
    .option('verbose', { alias: 'v', type: 'count', describe: 'say more: the negotiation, timings of each phase, resources used', global: true })
    .option('json', { type: 'boolean', describe: 'print one JSON object per event on stdout instead of messages', global: true })
    .command(
      'send <file> <recipient>',
      'offer a file to a contact (full JID: user@host/resource)',
      (y) =>
        y
          .positional('file', { type: 'string', demandOption: true, describe: 'file to send' })
          .positional('recipient', { type: 'string', demandOption: true, describe: 'receiver full JID (user@host/resource)' })
          .option('name', { type: 'string', describe: 'offer the file under this name' })
          .option('resource', { type: 'string', describe: 'our resource (default: xep65-send-<random>)' })
          .option('proxy', { type: 'string', array: true, describe: 'use this SOCKS5 proxy JID instead of discovery (repeatable); --no-proxy: none' })
          .option('direct', { type: 'boolean', default: true, describe: 'offer our own streamhost; --no-direct offers only proxies' })
          .option('port', { type: 'number', default: 0, describe: 'port of our streamhost (0: any free port)' })
          .option('host', { type: 'string', array: true, describe: 'advertise our streamhost at ADDR[:PORT] (repeatable; default: this machine\'s addresses)' })
          .option('hash', { type: 'boolean', default: false, describe: 'compute the MD5 of the file and send it for the receiver to check (costs a read of the file before the offer)' })
          .option('ibb', { type: 'boolean', default: true, describe: 'offer In-Band Bytestreams (XEP-0047) too, and fall back to them when no SOCKS5 connection works; --no-ibb: never' })
          .option('offer-timeout', { type: 'number', default: TIMEOUTS.offerMs / 1000, describe: 'seconds the receiver has to accept' }),
      (argv) => {
        const a = argv as unknown as Omit<SendArgs, 'to'>;
        choose(async (view, signal) => {
          await runSend({ ...a, to: String(argv.recipient) }, view, env, signal);
          return EXIT.ok;
        });
      },
    )
    .command(
      'receive',
      'wait for files and save them',
      (y) =>
        y
          .option('dir', { type: 'string', default: '.', describe: 'save into this directory' })
          .option('resource', { type: 'string', default: 'xep65', describe: 'our resource; senders address user@host/<resource>' })
          .option('accept-all', { type: 'boolean', default: false, describe: 'accept every offer' })
          .option('from', { type: 'string', array: true, describe: 'accept only from this JID or domain (repeatable)' })
          .option('overwrite', { type: 'boolean', default: false, describe: 'replace an existing file instead of saving as "name (1).ext"' })
          .option('count', { type: 'number', describe: 'exit after N transfers ended' })
          .option('ibb', { type: 'boolean', default: true, describe: 'accept In-Band Bytestreams (XEP-0047) when offered or as the fallback; --no-ibb refuses them' }),
      (argv) => {
        choose(async (view, signal) => {
          const failures = await runReceive(argv as unknown as ReceiveArgs, view, env, signal);
          const last = failures.at(-1);
          return last ? exitCodeFor(last.code) : EXIT.ok;
        });
      },
    )
    .command(
      'proxy',
      'run an XEP-0065 SOCKS5 proxy as an XMPP external component (XEP-0114) until interrupted',
      (y) =>
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
          .option('max-active', { type: 'number', default: PROXY_DEFAULTS.maxActive, describe: 'bytestreams relaying at once' }),
      (argv) => {
        choose(async (view, signal) => {
          await runProxy(argv as unknown as ProxyArgs, view, env, signal);
          return EXIT.ok;
        });
      },
    )
    .demandCommand(1, 'name a command: send, receive or proxy')
    .help()
    .version() as unknown as Argv<{ verbose?: number; json?: boolean }>;
}

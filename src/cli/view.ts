// Draws use-case events for people on stderr: one line per step, a cli-progress bar per file
// when stderr is a TTY, colours only on a TTY and never with NO_COLOR. Results (saved paths)
// go to stdout, nothing else does. chalk and cli-progress are loaded only for a terminal, which
// keeps them out of the start-up time of scripted runs.
import type cliProgress from 'cli-progress';
import type { HashOutcome, ResourceCandidateInfo, TransferEvent, TransportKind } from '../session/events.js';
import type { ProxyEvent } from '../session/proxy-events.js';
import { describeProxyEvent } from './proxy-view.js';
import type { Xep65Error } from '../errors.js';
import { formatBytes, formatRate, printable } from './format.js';

export interface ResourceStats {
  peakRssBytes: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
}

export interface View {
  onEvent(event: TransferEvent | ProxyEvent): void;
  error(error: Xep65Error, exit: number): void;
  /** Resources the process used, reported at exit (with -v or --json). */
  stats(stats: ResourceStats): void;
  close(): void;
}

export interface ViewOptions {
  /** 0: the essentials; 1 (-v): the negotiation and timings; 2 (-vv): the XML too. */
  verbose: number;
  /** Only errors on stderr (results still go to stdout). */
  quiet?: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

type Paint = (text: string) => string;
interface Palette {
  bold: Paint;
  dim: Paint;
  green: Paint;
  yellow: Paint;
  red: Paint;
}
const PLAIN: Palette = { bold: String, dim: String, green: String, yellow: String, red: String };

export async function createView(opts: ViewOptions): Promise<View> {
  const tty = opts.stderr.isTTY === true;
  const color: Palette = tty && !opts.env.NO_COLOR ? new (await import('chalk')).Chalk({ level: 1 }) : PLAIN;
  const progress = tty && !opts.quiet ? (await import('cli-progress')).default : undefined;
  const bars = progress ? new progress.MultiBar(barOptions(opts.stderr), progress.Presets.shades_classic) : undefined;
  const active = new Map<string, cliProgress.SingleBar>();
  const started = new Map<string, number>();
  const names = new Map<string, string>();
  const write = (line: string) => (bars ? bars.log(`${line}\n`) : opts.stderr.write(`${line}\n`));
  const say = opts.quiet ? () => undefined : write;
  const verbose = opts.verbose >= 1;

  const endBar = (sid: string) => {
    const bar = active.get(sid);
    if (bar) {
      bar.stop();
      bars?.remove(bar);
      active.delete(sid);
    }
  };

  return {
    onEvent(e) {
      switch (e.kind) {
        case 'ready':
          return say(`Waiting for files as ${color.bold(e.jid)}`);
        case 'logged-in':
          return verbose ? say(`Logged in as ${e.jid}`) : undefined;
        case 'resource-chosen':
          return verbose ? say(`Resource: ${e.jid}, ${e.reason}${e.candidates.length > 1 ? ` (${e.candidates.map(describeCandidate).join('; ')})` : ''}`) : undefined;
        case 'subscription':
          return say(e.approved ? `Approved the subscription request of ${printable(e.from)}` : color.dim(`Ignored the subscription request of ${printable(e.from)} (not allowed by --from or --accept-all)`));
        case 'resumed-from':
          return say(`Resuming at ${formatBytes(e.offset)}: kept from an earlier attempt; only the rest comes`);
        case 'resume-mismatch':
          return say(`Not resuming: what was kept under this name is another file (${printable(e.why)}); receiving it afresh`);
        case 'offer':
          names.set(e.sid, shorten(printable(e.file.name)));
          return say(`Offer from ${printable(e.from)}: ${printable(e.file.name)} (${formatBytes(e.file.size)})`);
        case 'offer-sent':
          names.set(e.sid, shorten(printable(e.file.name)));
          return say(`Offering ${printable(e.file.name)} (${formatBytes(e.file.size)}) to ${e.to}`);
        case 'accepted':
          return verbose ? say(`Accepted (${e.method})`) : undefined;
        case 'declined':
          return say(color.yellow(`Declined ${printable(e.file.name)} from ${printable(e.peer)}${e.reason === 'not accepted' ? '' : ` (${e.reason})`}`));
        case 'proxies':
          return verbose ? say(`Proxies: ${e.streamhosts.map((s) => `${s.jid} ${s.host}:${s.port}`).join(', ') || 'none'}`) : undefined;
        case 'streamhost-tried':
          return verbose ? say(color.dim(`Trying streamhost ${e.streamhost.jid} ${e.streamhost.host}:${e.streamhost.port}`)) : undefined;
        case 'streamhost-failed':
          return verbose ? say(color.dim(`Streamhost ${e.streamhost.jid} ${e.streamhost.host}:${e.streamhost.port} failed: ${e.error.message}`)) : undefined;
        case 'streamhost-used':
          started.set(e.sid, Date.now());
          return verbose ? say(`Connected through ${e.streamhost.jid} (${e.streamhost.host}:${e.streamhost.port})`) : undefined;
        case 'ibb-opened':
          started.set(e.sid, Date.now());
          return verbose ? say(`In-band bytestream (XEP-0047), block size ${e.blockSize}`) : undefined;
        case 'protocol':
          return verbose ? say(`Protocol: ${e.protocol === 'jingle' ? 'Jingle File Transfer (XEP-0234)' : 'SI File Transfer (XEP-0096)'}: ${e.reason}`) : undefined;
        case 'candidate-nominated':
          return verbose ? say(`Nominated candidate ${e.candidate.jid} ${e.candidate.host}:${e.candidate.port} (${e.candidate.type}, priority ${e.candidate.priority}, ${e.ours ? 'ours' : "the peer's"})`) : undefined;
        case 'transport-replaced':
          return verbose ? say(color.yellow('No SOCKS5 candidate worked on either side: replacing the transport with in-band bytestreams (XEP-0261)')) : undefined;
        case 'transport':
          started.set(e.sid, Date.now());
          return verbose ? say(`Transport: ${TRANSPORT_WORDS[e.transport]}`) : undefined;
        case 'hash':
          return verbose ? say(describeHash(e.hash)) : undefined;
        case 'progress': {
          if (!bars) return;
          let bar = active.get(e.sid);
          if (!bar) {
            bar = bars.create(e.total, 0, { name: names.get(e.sid) ?? '', rate: '' });
            active.set(e.sid, bar);
          }
          const seconds = (Date.now() - (started.get(e.sid) ?? Date.now())) / 1000;
          bar.update(e.bytes, { rate: formatRate(e.bytes, seconds) });
          return;
        }
        case 'done':
          endBar(e.sid);
          say(color.green(`${e.path ? `Saved ${e.path}` : e.stdout ? `Wrote ${printable(e.file.name)} to standard output` : `Sent ${printable(e.file.name)}`}: ${formatBytes(e.bytes)} in ${e.seconds.toFixed(2)} s (${formatRate(e.bytes, e.seconds)})`));
          if (e.path) opts.stdout.write(`${e.path}\n`);
          return;
        case 'failed':
          endBar(e.sid);
          return write(color.red(`Failed ${printable(e.file.name)} from ${printable(e.peer)}: ${printable(e.error.message)}`));
        case 'timing':
          return verbose ? say(color.dim(`timing: ${e.phase} ${e.ms.toFixed(1)} ms`)) : undefined;
        case 'login-retry':
          return say(color.yellow(`${printable(e.error.message)}; trying again in ${e.seconds} s`));
        case 'exec':
          // A failure is reported as the transfer's error; success only with -v.
          return verbose && e.status === 0 ? say(`--exec exited 0 for ${e.path}`) : undefined;
        case 'part-files-removed':
          return say(color.yellow(`Removed ${e.paths.length} part file(s) left by a receiver that was killed: ${e.paths.map(printable).join(', ')}`));
        case 'xml':
          return opts.verbose >= 2 ? say(color.dim(`${e.direction === 'in' ? '<<' : '>>'} ${printable(e.xml)}`)) : undefined;
        default: {
          const line = describeProxyEvent(e, verbose);
          return line === undefined ? undefined : say(line);
        }
      }
    },
    error(error) {
      const detail = error.code === 'internal' && verbose && error.stack ? `\n${error.stack}` : '';
      write(color.red(`xep65: ${printable(error.message)}${detail}`));
    },
    stats(s) {
      if (verbose) {
        say(color.dim(`resources: peak RSS ${formatBytes(s.peakRssBytes)}, CPU ${s.cpuUserSeconds.toFixed(2)} s user + ${s.cpuSystemSeconds.toFixed(2)} s system`));
      }
    },
    close() {
      bars?.stop();
    },
  };
}

const TRANSPORT_WORDS: Record<TransportKind, string> = {
  's5b-direct': 'SOCKS5, direct',
  's5b-proxy': 'SOCKS5, through a proxy',
  ibb: 'in-band bytestream',
};

function describeHash(h: HashOutcome): string {
  if (h.verified === null) return `No hash from the sender: size checked only (${h.algo} ${h.value})`;
  const form = h.encoding === 'base64-hex' ? ', sent as base64 of hex' : h.encoding === 'hex' ? ', sent as hex' : '';
  return h.verified ? `${h.algo} verified${form}: ${h.value}` : `${h.algo} MISMATCH${form}: ours ${h.value}`;
}

function describeCandidate(c: ResourceCandidateInfo): string {
  return `${c.jid} priority ${c.priority}: ${c.protocol ? (c.protocol === 'jingle' ? 'Jingle' : 'SI') : printable(c.why)}`;
}

function shorten(name: string): string {
  return name.length > 24 ? `${name.slice(0, 21)}...` : name;
}

function barOptions(stream: NodeJS.WriteStream): cliProgress.Options {
  return {
    format: ' {name} {bar} {percentage}% | {value}/{total} | {rate} | ETA {eta_formatted}',
    formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? formatBytes(v) : String(v)),
    hideCursor: true,
    clearOnComplete: true,
    stopOnComplete: false,
    etaBuffer: 50,
    fps: 10,
    stream,
  } as cliProgress.Options;
}

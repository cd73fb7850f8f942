// Debian's Libervia 0.9 (packages libervia-backend, libervia-cli) as a third-party interop peer:
// Jingle File Transfer (XEP-0234 :5) over S5B (XEP-0260) or IBB (XEP-0261), and SI (XEP-0096).
//
// One peer = one backend with its own HOME, config, database and a private D-Bus session bus
// (its bus name org.libervia.Libervia is fixed, so two backends need two buses). Everything runs
// inside a network namespace with only `lo` (test/helpers/netns.ts), together with the private
// Prosody (startProsody({ commandPrefix: netns.prefix })) and any `xep65` process talking to it:
// the backend's SOCKS5 server listens on every interface, and its IP plugin would otherwise ask
// a web page for our address (NAT-PORT/UPnP is not even importable without python3-miniupnpc).
//
// Libervia facts this relies on (0.9.0~hg3993, read in /usr/share/libervia):
// - Config is read from ~/.libervia.conf among others; [DEFAULT] local_dir (database, pid, log),
//   downloads_dir, bridge = dbus, log_level.
// - Account settings are profile params in category "Connection": JabberID (a resource in it is
//   kept), Password, "Force server", "Force port", check_certificate (default true).
// - With check_certificate, Twisted verifies against OpenSSL's default paths, so SSL_CERT_FILE =
//   the test CA makes it trust the private server; the server name checked is the JID's domain.
// - General param General/allow_get_ip: when unset and the server is on 127.0.0.1, the IP plugin
//   opens a confirmation dialog on the first S5B candidate gathering; we set it to false.
// - General param Debug/"Xml log" makes the backend emit every stanza as the xmlLog D-Bus signal,
//   which `libervia-cli debug monitor -O xml-raw` prints: that is how the wire is captured.
// - `libervia-cli file send|receive` only wait for the progress signals when python3-progressbar
//   is importable (else `args.progress` is missing and they never exit): it is required here.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Netns } from './netns.js';
import { netnsUnavailable } from './netns.js';
import type { PrivateProsody } from './prosody.js';

// Both are `#!/usr/bin/env python3` scripts: run them with Debian's python3, whatever PATH says.
const PYTHON = '/usr/bin/python3';
const BACKEND = '/usr/bin/libervia-backend';
const CLI = '/usr/bin/libervia-cli';
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

export type Availability = { ok: true } | { ok: false; why: string };

/** Whether Libervia can run here as a test peer; `why` is the skip reason. */
export function liberviaAvailable(): Availability {
  const ns = netnsUnavailable();
  if (ns !== undefined) return { ok: false, why: ns };
  for (const cmd of [BACKEND, CLI, 'dbus-daemon', 'nsenter']) {
    const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
    if (r.status !== 0) return { ok: false, why: `${cmd} not installed (scripts/install-system-packages.sh)` };
  }
  const py = spawnSync(PYTHON, ['-c', 'import dbus, progressbar'], { encoding: 'utf8' });
  if (py.status !== 0) {
    return { ok: false, why: `python3-dbus/python3-progressbar missing (libervia-cli never exits without progressbar): ${(py.stderr ?? '').trim().split('\n').pop()}` };
  }
  return { ok: true };
}

export interface StartLiberviaOptions {
  prosody: PrivateProsody;
  /** The namespace Prosody runs in; the backend, its bus and its CLI run there too. */
  netns: Netns;
  user: string;
  password: string;
  /** Default 'libervia': the peer's full JID is user@domain/resource. */
  resource?: string;
  /** Capture every stanza (raw XML) the backend sends and receives; read with xmlLog(). */
  captureXml?: boolean;
}

export interface LiCliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface LiReceive {
  /** Resolves once the CLI listens for offers. */
  ready: Promise<void>;
  done: Promise<LiCliResult>;
  kill(): void;
}

export interface XmlLogEntry {
  direction: 'in' | 'out';
  xml: string;
}

export interface LiberviaPeer {
  /** Full JID, user@domain/resource. */
  jid: string;
  profile: string;
  dir: string;
  /** Milliseconds from spawning the backend to "Backend is ready". */
  backendStartMs: number;
  /** Milliseconds for profile creation, params and the XMPP login. */
  connectMs: number;
  /** `libervia-cli file send FILE TO` (TO: a full JID, so disco#info of that resource decides Jingle or SI). */
  sendFile(to: string, file: string, opts?: { timeoutMs?: number }): Promise<LiCliResult>;
  /** `libervia-cli file receive --path DIR [FROM...]`: accepts one file (FROM confirms senders not in the roster). */
  receiveFile(dir: string, opts?: { from?: string[]; timeoutMs?: number }): LiReceive;
  /** Stanzas captured so far (captureXml), in order. */
  xmlLog(): Promise<XmlLogEntry[]>;
  /** The backend's log so far. */
  backendLog(): Promise<string>;
  /** SIGTERM (then SIGKILL) by PID to the monitor, backend and bus; removes the dir. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Process bookkeeping (as in prosody.ts): a forgotten stop() still kills ours on exit.

const live = new Map<number, string | undefined>();
let hooked = false;

function killAllSync(): void {
  for (const [pid, dir] of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

function track(child: ChildProcess, dir?: string): void {
  if (child.pid === undefined) return;
  live.set(child.pid, dir);
  if (!hooked) {
    hooked = true;
    process.on('exit', killAllSync);
  }
  child.once('exit', () => live.delete(child.pid!));
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (child?.pid === undefined || exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const wait = (ms: number) => Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await wait(STOP_GRACE_MS)) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    return;
  }
  await wait(2000);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------

/** One Python process that sets the profile up over D-Bus (each libervia-cli call costs ~1.3 s). */
const SETUP_PY = String.raw`
import sys, json, dbus
a = json.loads(sys.argv[1])
bus = dbus.bus.BusConnection(a["bus"])
core = dbus.Interface(bus.get_object("org.libervia.Libervia", "/org/libervia/Libervia/bridge"), "org.libervia.Libervia.core")
T = 60
core.getReady(timeout=T)
p = a["profile"]
core.profileCreate(p, "", "", timeout=T)
core.profileStartSession("", p, timeout=T)
for cat, name, value in a["params"]:
    core.setParam(name, value, cat, -1, p, timeout=T)
core.connect(p, "", {}, timeout=T)
while not core.isConnected(p, timeout=T):
    pass
print("CONNECTED", core.getParamA("JabberID", "Connection", "value", p, timeout=T))
`;

function conf(dir: string): string {
  return [
    '[DEFAULT]',
    `local_dir = ${dir}/local`,
    `downloads_dir = ${dir}/downloads`,
    `pid_dir = ${dir}/local`,
    `log_dir = ${dir}/local`,
    'bridge = dbus',
    'log_level = info',
    'log_colors = false',
    '',
  ].join('\n');
}

function busConf(socket: string): string {
  // No service dirs: nothing is D-Bus-activated behind our back (the package ships an activation file).
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

function runCollect(argv: string[], env: NodeJS.ProcessEnv, timeoutMs: number, cwd?: string): { child: ChildProcess; done: Promise<LiCliResult> } {
  const t0 = Date.now();
  const child = spawn(argv[0]!, argv.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<LiCliResult>((resolve) => {
    child.once('error', (err) => {
      stderr += `spawn failed: ${err.message}`;
    });
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout: cleanCli(stdout), stderr: cleanCli(stderr), ms: Date.now() - t0 });
    });
  });
  return { child, done };
}

/** libervia-cli prints the same two notices on every run; drop them from results. */
function cleanCli(s: string): string {
  return s
    .replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
    .split('\n')
    .filter((l) => !/sat_templates module is not available|^--$/.test(l))
    .join('\n')
    .replace(/\n{2,}/g, '\n')
    .trim();
}

export function parseXmlLog(text: string): XmlLogEntry[] {
  // `debug monitor -v -v -O xml-raw`: a header line per stanza, then its XML as sent/received.
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const out: XmlLogEntry[] = [];
  let cur: XmlLogEntry | undefined;
  for (const line of lines) {
    const h = /^(?:<<<===== IN ====|==== OUT ====>>>)/.exec(line);
    if (h) {
      if (cur) out.push(cur);
      cur = { direction: line.startsWith('<<<') ? 'in' : 'out', xml: '' };
    } else if (cur) {
      cur.xml += (cur.xml ? '\n' : '') + line;
    }
  }
  if (cur) out.push(cur);
  for (const e of out) e.xml = e.xml.trim();
  return out.filter((e) => e.xml.length > 0);
}

export async function startLibervia(opts: StartLiberviaOptions): Promise<LiberviaPeer> {
  const { prosody, netns } = opts;
  const resource = opts.resource ?? 'libervia';
  const jid = `${opts.user}@${prosody.domain}/${resource}`;
  const profile = opts.user;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xep65-libervia-'));
  const socket = path.join(dir, 'bus');
  const env: NodeJS.ProcessEnv = {
    PATH: `/usr/sbin:/usr/bin:/sbin:/bin${process.env.PATH ? `:${process.env.PATH}` : ''}`,
    HOME: dir,
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_DATA_HOME: path.join(dir, 'data'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${socket}`,
    SSL_CERT_FILE: prosody.caFile,
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    NO_COLOR: '1',
  };
  const inNs = (argv: string[]): string[] => [...netns.prefix, ...argv];
  let bus: ChildProcess | undefined;
  let backend: ChildProcess | undefined;
  let monitor: ChildProcess | undefined;
  const backendOut = path.join(dir, 'backend.out');
  const xmlFile = path.join(dir, 'xml.log');

  const stop = async (): Promise<void> => {
    await terminate(monitor);
    await terminate(backend);
    await terminate(bus);
    await fs.rm(dir, { recursive: true, force: true });
  };

  try {
    for (const sub of ['local', 'downloads', 'config', 'data', 'cache']) await fs.mkdir(path.join(dir, sub));
    await fs.writeFile(path.join(dir, '.libervia.conf'), conf(dir));
    await fs.writeFile(path.join(dir, 'bus.conf'), busConf(socket));

    // The bus: nsenter execs dbus-daemon, so the PID we hold is the daemon's.
    const busArgv = inNs(['dbus-daemon', `--config-file=${path.join(dir, 'bus.conf')}`, '--nofork', '--nopidfile']);
    bus = spawn(busArgv[0]!, busArgv.slice(1), { env, stdio: 'ignore' });
    bus.unref();
    track(bus, dir);
    for (let i = 0; ; i++) {
      if (await fs.stat(socket).then(() => true, () => false)) break;
      if (exited(bus) || i > 100) throw new Error(`dbus-daemon did not start (exit ${bus.exitCode})`);
      await sleep(50);
    }

    // The backend, in the foreground (twistd --nodaemon), its log on stdout.
    const t0 = Date.now();
    const fd = openSync(backendOut, 'a');
    try {
      const argv = inNs([PYTHON, BACKEND, 'fg']);
      backend = spawn(argv[0]!, argv.slice(1), { env, cwd: dir, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    backend.unref();
    track(backend, dir);
    for (;;) {
      const log = await fs.readFile(backendOut, 'utf8').catch(() => '');
      if (/Backend is ready/.test(log)) break;
      if (exited(backend)) throw new Error(`libervia-backend exited (${backend.exitCode}):\n${log.split('\n').slice(-20).join('\n')}`);
      if (Date.now() - t0 > START_TIMEOUT_MS) throw new Error(`libervia-backend not ready after ${START_TIMEOUT_MS} ms`);
      await sleep(100);
    }
    const backendStartMs = Date.now() - t0;

    if (opts.captureXml) {
      const argv = inNs([PYTHON, CLI, 'debug', 'monitor', '-v', '-v', '-O', 'xml-raw']);
      const out = openSync(xmlFile, 'a');
      try {
        monitor = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', out, 'ignore'] });
      } finally {
        closeSync(out);
      }
      monitor.unref();
      track(monitor, dir);
    }

    const t1 = Date.now();
    const params: [string, string, string][] = [
      ['Connection', 'JabberID', jid],
      ['Connection', 'Password', opts.password],
      ['Connection', 'Force server', prosody.host],
      ['Connection', 'Force port', String(prosody.c2sPort)],
      ['General', 'allow_get_ip', 'false'],
      ['Debug', 'Xml log', opts.captureXml ? 'true' : 'false'],
    ];
    const setup = runCollect(inNs([PYTHON, '-c', SETUP_PY, JSON.stringify({ bus: env.DBUS_SESSION_BUS_ADDRESS, profile, params })]), env, START_TIMEOUT_MS);
    const r = await setup.done;
    if (r.code !== 0 || !r.stdout.includes('CONNECTED')) {
      throw new Error(`libervia profile setup failed (${r.code}): ${r.stderr || r.stdout}\n--- backend ---\n${(await fs.readFile(backendOut, 'utf8')).split('\n').slice(-20).join('\n')}`);
    }
    const connectMs = Date.now() - t1;

    const li = (args: string[]): string[] => inNs([PYTHON, CLI, ...args]);
    return {
      jid,
      profile,
      dir,
      backendStartMs,
      connectMs,
      sendFile: (to, file, o = {}) => runCollect(li(['file', 'send', '-p', profile, '-v', '-v', path.resolve(file), to]), env, o.timeoutMs ?? 60_000).done,
      receiveFile: (target, o = {}) => {
        const run = runCollect(li(['file', 'receive', '-p', profile, '-v', '-v', '--path', path.resolve(target), ...(o.from ?? [])]), env, o.timeoutMs ?? 60_000);
        let out = '';
        const ready = new Promise<void>((resolve, reject) => {
          run.child.stdout!.on('data', (d: Buffer) => {
            out += d.toString('utf8');
            if (/waiting for incoming file request/.test(out)) resolve();
          });
          void run.done.then((res) => reject(new Error(`libervia-cli file receive ended before listening: ${res.stderr || res.stdout}`)));
        });
        ready.catch(() => undefined);
        // The CLI prints its prompt before it subscribes to the actionNew signal: leave it a moment.
        return { ready: ready.then(() => sleep(300)), done: run.done, kill: () => run.child.kill('SIGTERM') };
      },
      xmlLog: async () => parseXmlLog(await fs.readFile(xmlFile, 'utf8').catch(() => '')),
      backendLog: () => fs.readFile(backendOut, 'utf8').catch(() => ''),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}


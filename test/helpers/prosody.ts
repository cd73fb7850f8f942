// A private Prosody 0.12 for tests, the demo and benchmarks.
//
// Everything lives in a fresh temp dir (config, data, pid, log, certificates);
// every listener is bound to 127.0.0.1 on ports picked at start; s2s is not
// loaded, so the server never talks to the network beyond loopback.
//
// Prosody facts this relies on (0.12.3, Debian package):
// - mod_posix is always loaded (it is the platform module); as root it refuses
//   to start unless `run_as_root = true`. `-F` keeps it in the foreground.
// - `<service>_ports` / `<service>_interfaces` are read from the global
//   section only, including proxy65_* and component_*.
// - s2s is autoloaded; it is switched off with `modules_disabled`.
// - `prosodyctl register` writes the account files directly (internal
//   storage), so it works whether or not the server is running.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface ProsodyAccount {
  user: string;
  password: string;
}

export interface StartProsodyOptions {
  /** Default 'example.test'. Not resolvable: connect to 127.0.0.1 and use it as stream domain / SNI. */
  domain?: string;
  /** Registered before startProsody() returns. */
  accounts?: ProsodyAccount[];
  /** When set: XEP-0114 listener on a free loopback port and Component "xep65proxy.<domain>". */
  componentSecret?: string;
  /** 'quiet' (default): errors only, to logFile. 'debug': everything to logFile. */
  log?: 'quiet' | 'debug';
  /**
   * Run prosody through this command prefix, e.g. a network namespace's
   * `['nsenter', '--net=/proc/<pid>/ns/net', '--']` (test/helpers/netns.ts). Its listeners are
   * then on the namespace's 127.0.0.1, so the readiness probe runs through the prefix too.
   */
  commandPrefix?: string[];
}

export interface PrivateProsody {
  domain: string;
  /** Its own temp dir (config, data, certs, log). */
  dir: string;
  host: '127.0.0.1';
  c2sPort: number;
  /** '127.0.0.1:<c2sPort>', what xep65 takes as --server. */
  server: string;
  /** PEM of the self-signed CA that signed the server certificate (for --ca-file). */
  caFile: string;
  /** 'proxy.<domain>' (mod_proxy65). */
  proxyJid: string;
  /** Its SOCKS5 port on 127.0.0.1. */
  proxyPort: number;
  componentPort?: number;
  componentJid?: string;
  logFile: string;
  /** The server process, for measuring its CPU time (benchmarks). */
  pid: number;
  register(user: string, password: string): Promise<void>;
  /** SIGTERM by PID, wait for exit (SIGKILL after a few seconds), remove the temp dir. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const PROSODY_BIN = process.env.XEP65_PROSODY ?? 'prosody';
const PROSODYCTL_BIN = process.env.XEP65_PROSODYCTL ?? 'prosodyctl';
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const PORT_ATTEMPTS = 3;

// ---------------------------------------------------------------------------
// Ports

async function reservePorts(count: number): Promise<number[]> {
  // Hold all listeners open until every port is known, so the ports differ.
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, HOST, () => resolve());
      });
    }
    return servers.map((srv) => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') throw new Error('freePort: no TCP address');
      return addr.port;
    });
  } finally {
    await Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const [port] = await reservePorts(1);
  if (port === undefined) throw new Error('freePort: no port');
  return port;
}

/** A TCP connect to 127.0.0.1:port from inside the prefix's namespace (a short-lived node). */
function canConnectVia(prefix: string[], port: number): Promise<boolean> {
  const probe = `const s=require('net').connect(${port},'${HOST}');s.setTimeout(1000,()=>process.exit(1));` +
    `s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));`;
  return new Promise((resolve) => {
    execFile(prefix[0]!, [...prefix.slice(1), process.execPath, '-e', probe], { timeout: 5000 }, (err) => resolve(!err));
  });
}

function canConnect(port: number, prefix?: string[]): Promise<boolean> {
  if (prefix !== undefined && prefix.length > 0) return canConnectVia(prefix, port);
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    const done = (ok: boolean): void => {
      sock.removeAllListeners();
      sock.on('error', () => undefined);
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// Validation and Lua quoting

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN_RE = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

function checkDomain(domain: string): string {
  const d = domain.toLowerCase();
  if (!DOMAIN_RE.test(d)) throw new Error(`startProsody: invalid domain ${JSON.stringify(domain)}`);
  return d;
}

function checkUser(user: string): void {
  // Plain local parts only: what a test needs, and what passes through argv and nodeprep unchanged.
  if (!/^[\p{Ll}\p{Lo}0-9._-]+$/u.test(user)) throw new Error(`register: unsupported user name ${JSON.stringify(user)}`);
}

function checkText(what: string, s: string): void {
  // eslint-disable-next-line no-control-regex
  if (s.length === 0 || /[\u0000-\u001f\u007f]/.test(s)) {
    throw new Error(`${what} must be non-empty without control characters`);
  }
}

/** A Lua double-quoted string literal. Control characters are rejected by the callers. */
function lua(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// ---------------------------------------------------------------------------
// Certificates (openssl CLI)

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args[0] ?? ''} failed: ${e.stderr?.trim() || e.message}`);
  }
}

interface CertFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

async function makeCertificates(dir: string, domain: string): Promise<CertFiles> {
  const caDir = path.join(dir, 'ca');
  const certDir = path.join(dir, 'certs');
  await fs.mkdir(caDir);
  await fs.mkdir(certDir);
  const caKey = path.join(caDir, 'ca.key');
  const caFile = path.join(caDir, 'ca.pem');
  // Named <domain>.crt/.key so Prosody's automatic certificate lookup finds them too.
  const certFile = path.join(certDir, `${domain}.crt`);
  const keyFile = path.join(certDir, `${domain}.key`);
  const csr = path.join(caDir, 'server.csr');
  const ext = path.join(caDir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  await openssl(['req', '-x509', ...ec, '-keyout', caKey, '-out', caFile, '-days', '7',
    '-subj', '/CN=xep65 test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  await openssl(['req', '-new', ...ec, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${domain}`], dir);
  await fs.writeFile(ext, [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=DNS:${domain},DNS:*.${domain},DNS:localhost,IP:127.0.0.1`,
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid,issuer',
    '',
  ].join('\n'));
  await openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey,
    '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '7', '-extfile', ext,
    '-out', certFile], dir);
  // Prosody runs as root here (run_as_root); if it ever runs as another user it needs to read these.
  await fs.chmod(keyFile, 0o644);
  await fs.chmod(certFile, 0o644);
  await fs.chmod(caFile, 0o644);
  return { caFile, certFile, keyFile };
}

// ---------------------------------------------------------------------------
// Config

interface ConfigParams {
  dir: string;
  domain: string;
  c2sPort: number;
  proxyPort: number;
  componentPort?: number;
  componentSecret?: string;
  certs: CertFiles;
  logFile: string;
  debug: boolean;
}

function renderConfig(p: ConfigParams): string {
  const l = (s: string): string => lua(s);
  const lines = [
    '-- Generated by test/helpers/prosody.ts: a private, loopback-only Prosody.',
    'daemonize = false -- prosody is started with -F anyway',
    'run_as_root = true',
    `pidfile = ${l(path.join(p.dir, 'prosody.pid'))}`,
    `data_path = ${l(path.join(p.dir, 'data'))}`,
    'plugin_paths = { }',
    'admins = { }',
    '',
    '-- Every listener on loopback only.',
    `interfaces = { ${l(HOST)} }`,
    `local_interfaces = { ${l(HOST)} }`,
    `c2s_ports = { ${p.c2sPort} }`,
    `c2s_interfaces = { ${l(HOST)} }`,
    'c2s_direct_tls_ports = { }',
    'legacy_ssl_ports = { }',
    's2s_ports = { }',
    'http_ports = { }',
    'https_ports = { }',
    `proxy65_ports = { ${p.proxyPort} }`,
    `proxy65_interfaces = { ${l(HOST)} }`,
    `proxy65_address = ${l(HOST)}`,
  ];
  if (p.componentPort !== undefined) {
    lines.push(
      `component_ports = { ${p.componentPort} }`,
      `component_interfaces = { ${l(HOST)} }`,
    );
  }
  lines.push(
    '',
    '-- Minimal modules. Not "limits" (it throttles c2s). No s2s/dialback: no network beyond loopback.',
    '-- mod_posix is the platform module and always loads; it handles pidfile and run_as_root.',
    'modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping" }',
    'modules_disabled = { "s2s"; "s2s_auth_certs"; "s2s_bidi"; "dialback" }',
    '',
    'c2s_require_encryption = true',
    's2s_require_encryption = true',
    'allow_registration = false',
    'authentication = "internal_hashed"',
    'storage = "internal"',
    `certificates = ${l(path.dirname(p.certs.certFile))}`,
    '',
    p.debug
      ? `log = { { levels = { min = "debug" }; to = "file"; filename = ${l(p.logFile)} } }`
      : `log = { { levels = { min = "error" }; to = "file"; filename = ${l(p.logFile)} } }`,
    '',
    `VirtualHost ${l(p.domain)}`,
    `  ssl = { certificate = ${l(p.certs.certFile)}; key = ${l(p.certs.keyFile)} }`,
    '',
    `Component ${l(`proxy.${p.domain}`)} "proxy65"`,
  );
  if (p.componentSecret !== undefined) {
    lines.push('', `Component ${l(`xep65proxy.${p.domain}`)}`, `  component_secret = ${l(p.componentSecret)}`);
  }
  lines.push('');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Process bookkeeping: stop() by PID, and a best-effort kill if the caller forgot.

interface Live {
  pid: number;
  dir: string;
}

const live = new Map<number, Live>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooksInstalled = false;

function killAllSync(): void {
  for (const { pid, dir } of live.values()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // If someone else listens for this signal, they own shutdown (and should call stop()).
  if (process.listenerCount(signal) > 0) return;
  killAllSync();
  removeHooks();
  process.kill(process.pid, signal); // default action, as if we had not been here
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of SIGNALS) process.once(sig, onSignal);
}

function removeHooks(): void {
  if (!hooksInstalled) return;
  hooksInstalled = false;
  process.off('exit', killAllSync);
  for (const sig of SIGNALS) process.off(sig, onSignal);
}

function track(pid: number, dir: string): void {
  live.set(pid, { pid, dir });
  installHooks();
}

function untrack(pid: number): void {
  live.delete(pid);
  if (live.size === 0) removeHooks();
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function terminate(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || exited(child)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  if (await waitExit(child, STOP_GRACE_MS)) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitExit(child, 2000);
}

async function logTail(logFile: string, lines = 30): Promise<string> {
  try {
    const text = await fs.readFile(logFile, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------
// Accounts

async function registerAccount(config: string, domain: string, user: string, password: string): Promise<void> {
  checkUser(user);
  checkText('password', password);
  try {
    await execFileAsync(PROSODYCTL_BIN, ['--config', config, 'register', user, domain, password], {
      timeout: 15_000,
    });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
    throw new Error(`prosodyctl register ${user}@${domain} failed: ${out || e.message}`);
  }
}

// ---------------------------------------------------------------------------
// Start

interface Attempt {
  child: ChildProcess;
  c2sPort: number;
  proxyPort: number;
  componentPort?: number;
}

class PortClash extends Error {}

async function launch(
  dir: string, domain: string, config: string, logFile: string, certs: CertFiles,
  opts: StartProsodyOptions,
): Promise<Attempt> {
  const wantComponent = opts.componentSecret !== undefined;
  const ports = await reservePorts(wantComponent ? 3 : 2);
  const [c2sPort, proxyPort, componentPort] = ports as [number, number, number | undefined];
  const params: ConfigParams = {
    dir, domain, c2sPort, proxyPort, certs, logFile, debug: opts.log === 'debug',
  };
  if (wantComponent) {
    params.componentPort = componentPort;
    params.componentSecret = opts.componentSecret;
  }
  await fs.writeFile(config, renderConfig(params), { mode: 0o644 });
  await fs.rm(logFile, { force: true });

  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    const prefix = opts.commandPrefix ?? [];
    const argv = [...prefix, PROSODY_BIN, '--config', config, '-F'];
    child = spawn(argv[0]!, argv.slice(1), {
      cwd: dir,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  child.unref(); // a forgotten stop() must not keep the caller alive; the exit hook kills it
  if (child.pid !== undefined) track(child.pid, dir);

  const fail = async (why: string, Cls: new (message: string) => Error = Error): Promise<never> => {
    await terminate(child);
    if (child.pid !== undefined) untrack(child.pid);
    throw new Cls(`startProsody: ${why}\n--- ${logFile} (tail) ---\n${await logTail(logFile)}`);
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  const pending = new Set(wantComponent ? ports : [c2sPort, proxyPort]);
  while (pending.size > 0) {
    if (spawnError) return fail(`cannot run ${PROSODY_BIN}: ${spawnError.message}`);
    if (exited(child)) return fail(`prosody exited early (code ${child.exitCode}, signal ${child.signalCode})`);
    const log = await logTail(logFile, 200);
    if (/Failed to open server port/i.test(log)) return fail('a port was taken', PortClash);
    if (Date.now() > deadline) {
      return fail(`ports ${[...pending].join(', ')} not listening after ${START_TIMEOUT_MS} ms`);
    }
    for (const port of [...pending]) {
      if (await canConnect(port, opts.commandPrefix)) pending.delete(port);
    }
    if (pending.size > 0) await sleep(100);
  }
  // A port that accepts may still belong to someone else if our bind failed: check the log once more.
  if (/Failed to open server port/i.test(await logTail(logFile, 200))) return fail('a port was taken', PortClash);
  if (exited(child)) return fail(`prosody exited early (code ${child.exitCode}, signal ${child.signalCode})`);

  const attempt: Attempt = { child, c2sPort, proxyPort };
  if (wantComponent) attempt.componentPort = componentPort;
  return attempt;
}

export async function startProsody(opts: StartProsodyOptions = {}): Promise<PrivateProsody> {
  const domain = checkDomain(opts.domain ?? 'example.test');
  if (opts.componentSecret !== undefined) checkText('componentSecret', opts.componentSecret);
  for (const a of opts.accounts ?? []) {
    checkUser(a.user);
    checkText('password', a.password);
  }

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xep65-prosody-'));
  const config = path.join(dir, 'prosody.cfg.lua');
  const logFile = path.join(dir, 'prosody.log');
  let attempt: Attempt | undefined;
  let caFile = '';
  try {
    await fs.chmod(dir, 0o755);
    await fs.mkdir(path.join(dir, 'data'), { mode: 0o750 });
    const certs = await makeCertificates(dir, domain);
    caFile = certs.caFile;
    for (let i = 1; attempt === undefined; i++) {
      try {
        attempt = await launch(dir, domain, config, logFile, certs, opts);
      } catch (err) {
        if (!(err instanceof PortClash) || i >= PORT_ATTEMPTS) throw err;
      }
    }
    for (const a of opts.accounts ?? []) await registerAccount(config, domain, a.user, a.password);
  } catch (err) {
    if (attempt) {
      await terminate(attempt.child);
      if (attempt.child.pid !== undefined) untrack(attempt.child.pid);
    }
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }

  const { child, c2sPort, proxyPort, componentPort } = attempt;
  const pid = child.pid;
  let stopping: Promise<void> | undefined;
  const instance: PrivateProsody = {
    domain,
    dir,
    host: HOST,
    c2sPort,
    server: `${HOST}:${c2sPort}`,
    caFile,
    proxyJid: `proxy.${domain}`,
    proxyPort,
    logFile,
    pid: pid ?? -1,
    register: (user, password) => registerAccount(config, domain, user, password),
    stop: () => {
      stopping ??= (async () => {
        await terminate(child);
        if (pid !== undefined) untrack(pid);
        await fs.rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  if (componentPort !== undefined) {
    instance.componentPort = componentPort;
    instance.componentJid = `xep65proxy.${domain}`;
  }
  return instance;
}

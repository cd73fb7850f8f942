// Runs the real CLI (bin/xep65.js) as a child process, the way a user or a script would.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { PrivateProsody } from './prosody.js';

export const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/xep65.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  /** Resolves once stderr matched `pattern` (rejects if the process ends first). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** The same for stdout (--json events). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

let loopbackConfig: string | undefined;

/**
 * A config home whose only setting advertises our streamhosts on loopback (senders and Jingle
 * receivers): tests never offer this machine's other addresses, and never read the user's config.
 */
export function loopbackConfigHome(): string {
  if (!loopbackConfig) {
    loopbackConfig = mkdtempSync(path.join(os.tmpdir(), 'xep65-config-'));
    mkdirSync(path.join(loopbackConfig, 'xep65'));
    writeFileSync(path.join(loopbackConfig, 'xep65', 'config'), 'host = ["127.0.0.1"]\n');
  }
  return loopbackConfig;
}

/** Environment for an account on the private Prosody: credentials from env, as documented. */
export function accountEnv(prosody: PrivateProsody, user: string, password: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    XDG_CONFIG_HOME: loopbackConfigHome(),
    NO_COLOR: '1',
    XEP65_JID: `${user}@${prosody.domain}`,
    XEP65_PASSWORD: password,
    XEP65_SERVER: prosody.server,
    XEP65_CA_FILE: prosody.caFile,
  };
}

export interface CliOptions {
  /** A file to give as standard input (default: none). */
  stdinFile?: string;
  /** Also keep standard output as bytes (binary data written with --stdout). */
  onStdoutBytes?: (chunk: Buffer) => void;
  /** Run node through this command prefix, e.g. a network namespace's nsenter (test/helpers/netns.ts). */
  prefix?: string[];
}

export function startCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000, opts: CliOptions = {}): RunningCli {
  const stdin = opts.stdinFile ? openSync(opts.stdinFile, 'r') : 'ignore';
  const argv = [...(opts.prefix ?? []), process.execPath, BIN, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { env, stdio: [stdin, 'pipe', 'pipe'] });
  if (typeof stdin === 'number') closeSync(stdin);
  if (opts.onStdoutBytes) child.stdout!.on('data', opts.onStdoutBytes);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const decoder = new StringDecoder('utf8');
  child.stdout!.on('data', (d: Buffer) => {
    stdout += opts.onStdoutBytes ? '' : decoder.write(d);
    listeners.forEach((l) => l());
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    listeners.forEach((l) => l());
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      listeners.forEach((l) => l());
      resolve({ code, signal, stdout, stderr });
    });
  });
  const waitFor = (which: () => string, pattern: RegExp, waitMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern}; stdout: ${stdout}; stderr: ${stderr}`)), waitMs);
      const check = () => {
        if (pattern.test(which())) finish();
        else if (child.exitCode !== null || child.signalCode !== null) finish(new Error(`exited before ${pattern}; stderr: ${stderr}`));
      };
      const finish = (err?: Error) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (err) reject(err);
        else resolve();
      };
      listeners.add(check);
      check();
    });
  return {
    child,
    waitForStderr: (pattern, waitMs) => waitFor(() => stderr, pattern, waitMs),
    waitForStdout: (pattern, waitMs) => waitFor(() => stdout, pattern, waitMs),
    done,
  };
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number, opts?: CliOptions): Promise<CliResult> {
  return startCli(args, env, timeoutMs, opts).done;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// What `send` offers, from what the user named: regular files as they are, a directory file by
// file under its own name ("photos/2024/a.jpg"), or packed into one tar file, and standard
// input spooled to a private temporary file (SI needs the size before the first byte; XEP-0096 §3).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Xep65Error } from '../errors.js';
import { childEnv } from './child-env.js';

export interface SendSource {
  path: string;
  /** The name offered; may hold '/' for files of a directory (the receiver recreates them safely). */
  name: string;
}

export interface ExpandedSources {
  sources: SendSource[];
  /** Removes temporary files (stdin spool, tar). */
  cleanup(): Promise<void>;
}

export interface ExpandOptions {
  /** Pack each directory into one tar file instead of sending its files one by one. */
  tar: boolean;
  /** Offer a single source under this name. */
  name?: string;
  /** Expected size of standard input: the spool must match it. */
  stdinSize?: number;
  stdin: NodeJS.ReadableStream;
  signal?: AbortSignal;
}

export async function expandSources(paths: string[], opts: ExpandOptions): Promise<ExpandedSources> {
  const temps: string[] = [];
  const cleanup = async () => void (await Promise.all(temps.map((t) => rm(t, { recursive: true, force: true }))));
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'xep65-send-'));
    temps.push(dir);
    return dir;
  };
  try {
    if (paths.filter((p) => p === '-').length > 1) throw new Xep65Error('usage', 'standard input (-) can be sent only once');
    const sources: SendSource[] = [];
    for (const p of paths) {
      if (p === '-') sources.push({ path: await spoolStdin(await tempDir(), opts), name: opts.name ?? 'stdin' });
      else sources.push(...(await expandPath(p, opts, tempDir)));
    }
    if (opts.name !== undefined && sources.length !== 1) throw new Xep65Error('usage', `--name needs exactly one file to send, not ${sources.length}`);
    if (opts.name !== undefined) sources[0]!.name = opts.name;
    if (sources.length === 0) throw new Xep65Error('usage', `nothing to send: ${paths.join(' ')} holds no files`);
    return { sources, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function expandPath(p: string, opts: ExpandOptions, tempDir: () => Promise<string>): Promise<SendSource[]> {
  const info = await stat(p).catch((err: NodeJS.ErrnoException) => {
    throw new Xep65Error('usage', `cannot read ${p}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`, { cause: err });
  });
  const base = path.basename(path.resolve(p));
  if (info.isFile()) return [{ path: p, name: base }];
  if (!info.isDirectory()) throw new Xep65Error('usage', `${p} is neither a regular file nor a directory`);
  if (opts.tar) return [{ path: await packTar(p, path.join(await tempDir(), `${base}.tar`), opts.signal), name: `${base}.tar` }];
  const entries = await readdir(p, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => {
      const full = path.join(e.parentPath, e.name);
      return { path: full, name: path.posix.join(base, ...path.relative(p, full).split(path.sep)) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The system's tar, as users would run it: `tar -cf OUT -C PARENT NAME`. */
async function packTar(dir: string, out: string, signal?: AbortSignal): Promise<string> {
  const abs = path.resolve(dir);
  const child = spawn('tar', ['-cf', out, '-C', path.dirname(abs), path.basename(abs)], { stdio: ['ignore', 'ignore', 'pipe'], signal, env: childEnv() });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((resolve, reject) => child.on('close', resolve).on('error', reject)).catch((err: Error) => {
    throw new Xep65Error('io', `cannot run tar: ${err.message}`, { cause: err });
  });
  if (code !== 0) throw new Xep65Error('io', `tar of ${dir} failed: ${stderr.trim() || `exit ${code}`}`);
  return out;
}

async function spoolStdin(dir: string, opts: ExpandOptions): Promise<string> {
  const file = path.join(dir, 'stdin');
  try {
    await pipeline(opts.stdin, createWriteStream(file, { mode: 0o600 }), { signal: opts.signal });
  } catch (err) {
    throw new Xep65Error('io', `cannot read standard input: ${(err as Error).message}`, { cause: err });
  }
  const { size } = await stat(file);
  if (opts.stdinSize !== undefined && size !== opts.stdinSize) {
    throw new Xep65Error('integrity', `standard input had ${size} bytes, not the ${opts.stdinSize} of --size; nothing was sent`);
  }
  return file;
}

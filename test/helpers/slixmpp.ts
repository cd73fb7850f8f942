// Runs the slixmpp peer (test/interop/slixmpp_peer.py) with Debian's /usr/bin/python3.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { PrivateProsody } from './prosody.js';

const PEER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/interop/slixmpp_peer.py');

export interface SlixmppRun {
  ready: Promise<string>;
  /** stdout holds every line (READY, TIMING, DONE or ERROR). */
  done: Promise<{ code: number | null; line: string; stderr: string; stdout: string }>;
  kill(): void;
}

export function runSlixmpp(mode: 'send' | 'receive', prosody: PrivateProsody, account: { jid: string; password: string }, extra: string[]): SlixmppRun {
  const args = [PEER, mode, '--jid', account.jid, '--password', account.password, '--server', prosody.server, '--ca-file', prosody.caFile, '--timeout', '60', ...extra];
  const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let onReady: (jid: string) => void = () => undefined;
  const ready = new Promise<string>((resolve) => (onReady = resolve));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    const m = /^READY (\S+)$/m.exec(stdout);
    if (m) onReady(m[1]!);
  });
  const done = new Promise<{ code: number | null; line: string; stderr: string; stdout: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, line: stdout.split('\n').filter((l) => /^(DONE|ERROR)/.test(l)).pop() ?? '', stderr, stdout })),
  );
  void done.then(() => onReady(''));
  return { ready, done, kill: () => child.kill('SIGTERM') };
}

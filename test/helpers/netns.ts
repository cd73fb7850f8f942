// A private network namespace with only `lo` up, for peers that must not reach the network
// (Libervia's backend listens on every interface and tries UPnP and an external IP lookup).
//
// The namespace is held by one process of ours: `unshare --net` running `sleep`. Nothing is
// bind-mounted under /run/netns, so the namespace disappears by itself once the holder and
// every process started inside it (through `prefix`, i.e. nsenter) have exited: a crashed test
// leaves nothing behind but possibly its own children. Needs root (CAP_SYS_ADMIN) and the
// util-linux `unshare`/`nsenter` and iproute2 `ip` commands.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface Netns {
  /** PID of the holder process. */
  pid: number;
  /** Command prefix that runs a program inside the namespace: `[...prefix, program, ...args]`. */
  prefix: string[];
  /** SIGTERM to the holder, by PID. Processes still inside keep the namespace alive until they exit. */
  stop(): Promise<void>;
}

/** Why a network namespace cannot be made here, or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root (unshare --net)';
  const probe = spawnSync('unshare', ['--net', '--', 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error) return `cannot run unshare/ip: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare --net failed: ${(probe.stderr ?? '').trim() || `exit ${probe.status}`}`;
  return undefined;
}

const holders = new Set<ChildProcess>();
let hooked = false;

function killHoldersSync(): void {
  for (const child of holders) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  holders.clear();
}

export async function createNetns(timeoutMs = 10_000): Promise<Netns> {
  // `exec sleep` keeps the holder a single process, so its PID is the namespace's anchor.
  const child = spawn('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && echo up && exec sleep 2147483647'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.unref();
  (child.stdout as NodeJS.ReadableStream & { unref?: () => void }).unref?.();
  (child.stderr as NodeJS.ReadableStream & { unref?: () => void }).unref?.();
  holders.add(child);
  if (!hooked) {
    hooked = true;
    process.on('exit', killHoldersSync);
  }
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`createNetns: no namespace after ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`createNetns: cannot run unshare: ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`createNetns: unshare exited (${code}): ${stderr.trim()}`));
    });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('up')) {
        clearTimeout(timer);
        resolve();
      }
    });
  }).catch((err: unknown) => {
    holders.delete(child);
    child.kill('SIGKILL');
    throw err;
  });
  const pid = child.pid!;
  return {
    pid,
    prefix: ['nsenter', `--net=/proc/${pid}/ns/net`, '--'],
    stop: async () => {
      holders.delete(child);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      await gone;
    },
  };
}

// What tests that break transfers on purpose share: CLIs and forwarders they start, all stopped
// (by the handles they were started with) when the suite ends, and polling for a condition.
import { startCli, type RunningCli } from './cli.js';
import { startForwarder, type Forwarder } from './tcp-forwarder.js';

export interface FaultKit {
  cli(args: string[], env: NodeJS.ProcessEnv): RunningCli;
  forwarder(port: number): Promise<Forwarder>;
  /** SIGKILLs the CLIs still running and closes the forwarders. */
  stopAll(): Promise<void>;
}

export function faultKit(): FaultKit {
  const running: RunningCli[] = [];
  const forwarders: Forwarder[] = [];
  return {
    cli(args, env) {
      const started = startCli(args, env);
      running.push(started);
      return started;
    },
    async forwarder(port) {
      const f = await startForwarder(port);
      forwarders.push(f);
      return f;
    },
    async stopAll() {
      for (const c of running) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
      await Promise.all(forwarders.map((f) => f.close()));
    },
  };
}

/** Polls `check` every 20 ms until it holds; fails after `ms` naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Manual debugging aid: start a private Prosody with accounts alice and bob,
// print its values as JSON, stop it on SIGINT/SIGTERM.
//
//   node dist/test/helpers/prosody-cli.js [--debug] [--domain example.test] [--component-secret S]

import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import { startProsody } from './prosody.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      debug: { type: 'boolean', default: false },
      domain: { type: 'string' },
      'component-secret': { type: 'string' },
    },
  });
  const accounts = ['alice', 'bob'].map((user) => ({ user, password: randomBytes(9).toString('base64url') }));
  const p = await startProsody({
    accounts,
    log: values.debug ? 'debug' : 'quiet',
    ...(values.domain !== undefined ? { domain: values.domain } : {}),
    ...(values['component-secret'] !== undefined ? { componentSecret: values['component-secret'] } : {}),
  });

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('stopping prosody...\n');
    p.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const { register: _register, stop: _stop, ...data } = p;
  process.stdout.write(`${JSON.stringify({ ...data, accounts }, null, 2)}\n`);
  process.stderr.write('prosody is running; Ctrl-C to stop\n');
  setInterval(() => undefined, 1 << 30); // keep the process alive (prosody's child handle is unref'd)
}

if (process.env.NODE_TEST_CONTEXT !== undefined) {
  // `node --test dist/test/` runs every .js under a `test` directory, this file included.
  const { test } = await import('node:test');
  test('prosody-cli is a manual tool', { skip: 'run it as node dist/test/helpers/prosody-cli.js' }, () => undefined);
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

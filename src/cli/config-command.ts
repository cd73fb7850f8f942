// `xep65 config`: the effective settings and where each comes from (flag, environment, the
// configuration file, or the default), the password masked; --json gives one record.
import type { Argv, CommandModule } from 'yargs';
import type { CommandContext } from './command.js';
import { EXIT } from './exit-codes.js';

type Source = 'flag' | 'env' | 'file' | 'default';
interface Setting {
  key: string;
  value: unknown;
  source: Source;
}

/** Account settings: flag, then environment variable, then file. */
const ACCOUNT: Array<[key: string, flag: string, env?: string]> = [
  ['jid', 'jid', 'XEP65_JID'],
  ['password-file', 'passwordFile'],
  ['password', '', 'XEP65_PASSWORD'],
  ['server', 'server', 'XEP65_SERVER'],
  ['ca-file', 'caFile', 'XEP65_CA_FILE'],
  ['component', '', 'XEP65_COMPONENT'],
  ['secret-file', ''],
];

export function configCommand(ctx: CommandContext): CommandModule {
  return {
    command: 'config',
    describe: 'print the effective settings and where each comes from (the password masked)',
    builder: (y: Argv) => y,
    handler: (argv) =>
      ctx.choose(async () => {
        const settings = effective(argv as Record<string, unknown>, ctx);
        if (argv.json) {
          const record = { event: 'config', file: ctx.config.path, fileFound: ctx.config.found, settings };
          process.stdout.write(`${JSON.stringify(record)}\n`);
        } else {
          process.stdout.write(`# config file: ${ctx.config.path}${ctx.config.found ? '' : ' (not found)'}\n`);
          for (const s of settings) process.stdout.write(`${s.key} = ${JSON.stringify(s.value)}  # ${s.source}\n`);
        }
        return EXIT.ok;
      }),
  };
}

function effective(argv: Record<string, unknown>, ctx: CommandContext): Setting[] {
  const out: Setting[] = [];
  const file = ctx.config.values;
  for (const [key, flag, env] of ACCOUNT) {
    const fromFlag = flag ? argv[flag] : undefined;
    const fromEnv = env ? ctx.env[env] : undefined;
    const setting: Setting | undefined =
      fromFlag !== undefined ? { key, value: fromFlag, source: 'flag' }
      : fromEnv ? { key, value: fromEnv, source: 'env' }
      : file[key] !== undefined ? { key, value: file[key], source: 'file' }
      : undefined;
    if (setting) out.push(key === 'password' ? { ...setting, value: '********' } : setting);
  }
  if (ctx.env.XEP65_COMPONENT_SECRET) out.push({ key: 'component-secret', value: '********', source: 'env' });
  for (const [key, value] of Object.entries(file)) {
    if (!out.some((s) => s.key === key)) out.push({ key, value, source: 'file' });
  }
  return out;
}

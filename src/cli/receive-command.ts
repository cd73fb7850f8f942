// `xep65 receive`: options to a ReceiveRequest (src/transfer/receive.ts).
import { stat } from 'node:fs/promises';
import { Xep65Error } from '../errors.js';
import { receiveFiles } from '../transfer/receive.js';
import { resolveAccount, type AccountArgs } from './account.js';
import { createAcceptPolicy } from './accept-policy.js';
import type { View } from './view.js';

export interface ReceiveArgs extends AccountArgs {
  dir: string;
  acceptAll: boolean;
  from?: string[];
  overwrite: boolean;
  count?: number;
  ibb: boolean;
}

/** Resolves with the failures of the transfers that ended (empty when all were saved). */
export async function runReceive(args: ReceiveArgs, view: View, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<Xep65Error[]> {
  if (args.count !== undefined && (!Number.isInteger(args.count) || args.count < 1)) {
    throw new Xep65Error('usage', `--count must be a positive whole number, not ${args.count}`);
  }
  const dirInfo = await stat(args.dir).catch(() => undefined);
  if (!dirInfo?.isDirectory()) throw new Xep65Error('usage', `--dir ${args.dir} is not a directory`);
  const account = await resolveAccount(args, env, signal);
  const decide = createAcceptPolicy(
    { acceptAll: args.acceptAll, from: args.from ?? [], interactive: process.stdin.isTTY === true && process.stderr.isTTY === true },
    signal,
  );
  const result = await receiveFiles({
    account,
    dir: args.dir,
    overwrite: args.overwrite,
    ibb: args.ibb,
    ...(args.count !== undefined ? { count: args.count } : {}),
    decide,
    onEvent: (e) => view.onEvent(e),
    signal,
  });
  return result.failures;
}

// What each command module gives main.ts: a yargs command whose handler picks the Command to
// run once parsing succeeded, with the loaded configuration file at hand.
import type { Config, LoadedConfig } from './config-file.js';
import type { View } from './view.js';
import type { TransferEvent } from '../session/events.js';

export type Command = (view: View, signal: AbortSignal) => Promise<number>;

export interface CommandContext {
  env: NodeJS.ProcessEnv;
  config: LoadedConfig;
  choose(command: Command): void;
  /** Set once the view exists when -vv asked for the XML. */
  trace?: (direction: 'in' | 'out', xml: string) => void;
  /** Set once the view exists: for events from before a use case starts (login retries). */
  onEvent?: (event: TransferEvent) => void;
}

/**
 * The file's values for options without an environment variable, given to yargs as config:
 * below flags, above defaults (flags > env > file > defaults). Settings with an environment
 * variable (account, server, component) are resolved where they are used, env before file.
 */
export function configFor(config: LoadedConfig, keys: readonly string[]): Config {
  return Object.fromEntries(Object.entries(config.values).filter(([k]) => keys.includes(k)));
}

/**
 * What a lone '-' (standard input) becomes before yargs parses: yargs drops '-' from positionals.
 * No real argument can hold a NUL, so nothing else can be mistaken for it.
 */
export const STDIN_ARG = '\u0000-';

// The configuration file: $XDG_CONFIG_HOME/xep65/config (default ~/.config/xep65/config), or
// --config FILE. A TOML subset: one `key = value` per line, where value is a "string" (with \"
// and \\ escapes), a number, true/false, or an array of strings ["a", "b"]; '#' starts a
// comment. Keys are the long option names (man page FILES). A file holding a password must not
// be readable by group or others.
import { readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Xep65Error } from '../errors.js';

export type ConfigValue = string | number | boolean | string[];
export type Config = Record<string, ConfigValue>;

/** Settings a config file may hold, with their type; the same names as the options. */
export const CONFIG_KEYS: Record<string, 'string' | 'number' | 'boolean' | 'strings'> = {
  jid: 'string',
  password: 'string',
  'password-file': 'string',
  server: 'string',
  'ca-file': 'string',
  proxy: 'strings',
  direct: 'boolean',
  host: 'strings',
  port: 'number',
  ibb: 'boolean',
  hash: 'boolean',
  protocol: 'string',
  dir: 'string',
  'accept-all': 'boolean',
  from: 'strings',
  'max-size': 'string',
  exec: 'string',
  overwrite: 'boolean',
  rename: 'boolean',
  'skip-existing': 'boolean',
  'keep-partial': 'boolean',
  resume: 'boolean',
  approve: 'boolean',
  priority: 'number',
  'connect-timeout': 'string',
  retry: 'number',
  component: 'string',
  'secret-file': 'string',
};

/** A string setting of the file, if it holds one. */
export function configString(values: Config, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

export interface LoadedConfig {
  path: string;
  /** Whether the file exists; a missing default file is no error, a missing --config file is. */
  found: boolean;
  values: Config;
}

export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME ?? os.homedir(), '.config');
  return path.join(base, 'xep65', 'config');
}

export function loadConfig(explicit: string | undefined, env: NodeJS.ProcessEnv): LoadedConfig {
  const file = explicit ?? defaultConfigPath(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && explicit === undefined) return { path: file, found: false, values: {} };
    throw new Xep65Error('usage', `cannot read the config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  // Before parsing: an error message must never be the way a password leaks from a shared file.
  if (/^\s*password\s*=/m.test(text)) checkPrivate(file);
  const values = parseConfig(text, file);
  return { path: file, found: true, values };
}

export function parseConfig(text: string, file: string): Config {
  const values: Config = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    const line = stripComment(raw).trim();
    if (line === '') return;
    const m = /^([a-z][a-z0-9-]*)\s*=\s*(.+)$/.exec(line);
    if (!m) throw new Xep65Error('usage', `${where}: expected key = value`);
    const [, key, text] = m as unknown as [string, string, string];
    // Own keys only: 'constructor' is on every object's prototype, and no setting.
    const type = Object.hasOwn(CONFIG_KEYS, key) ? CONFIG_KEYS[key] : undefined;
    if (!type) throw new Xep65Error('usage', `${where}: unknown setting '${key}' (see man xep65, FILES)`);
    if (Object.hasOwn(values, key)) throw new Xep65Error('usage', `${where}: '${key}' is set twice`);
    values[key] = parseValue(text, type, `${where}: '${key}'`);
  });
  return values;
}

/** `where` names the file, line and key; messages never repeat the value, which may be a secret. */
function parseValue(text: string, type: (typeof CONFIG_KEYS)[string], where: string): ConfigValue {
  if (type === 'boolean') {
    if (text === 'true' || text === 'false') return text === 'true';
    throw new Xep65Error('usage', `${where} expects true or false`);
  }
  if (type === 'number') {
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    throw new Xep65Error('usage', `${where} expects a number`);
  }
  if (type === 'strings') {
    const m = /^\[(.*)\]$/.exec(text);
    if (!m) return [parseString(text, where)];
    const items: string[] = [];
    let rest = m[1]!.trim();
    while (rest !== '') {
      const item = /^("(?:[^"\\]|\\.)*")\s*(?:,\s*|$)/.exec(rest);
      if (!item) throw new Xep65Error('usage', `${where} expects an array of "strings"`);
      items.push(parseString(item[1]!, where));
      rest = rest.slice(item[0].length);
    }
    return items;
  }
  return parseString(text, where);
}

function parseString(text: string, where: string): string {
  const m = /^"((?:[^"\\]|\\.)*)"$/.exec(text);
  if (!m) throw new Xep65Error('usage', `${where} expects a "quoted string"`);
  return m[1]!.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c);
}

/** A '#' outside a quoted string starts a comment. */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '#' && !quoted) return line.slice(0, i);
  }
  return line;
}

function checkPrivate(file: string): void {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new Xep65Error(
      'usage',
      `${file} holds a password but is readable by others (mode ${mode.toString(8).padStart(3, '0')}); run: chmod 600 '${file}'`,
    );
  }
}

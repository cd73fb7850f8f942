// Parses HOST[:PORT] as users write it: 'host', 'host:5222', '1.2.3.4:80', '[::1]:80', '::1'.
import { Xep65Error } from '../errors.js';

export function parseHostPort(value: string, what: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return withPort(bracketed[1]!, bracketed[2], value, what);
  const colons = value.split(':').length - 1;
  if (colons === 1) {
    const [host, port] = value.split(':');
    return withPort(host!, port, value, what);
  }
  if (value === '') throw new Xep65Error('usage', `${what}: empty address`);
  return { host: value };
}

function withPort(host: string, port: string | undefined, value: string, what: string): { host: string; port?: number } {
  if (host === '') throw new Xep65Error('usage', `${what}: no host in '${value}'`);
  if (port === undefined) return { host };
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) throw new Xep65Error('usage', `${what}: bad port in '${value}'`);
  return { host, port: n };
}

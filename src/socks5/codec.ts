// XEP-0065 §5.3.2, §6.3.2, §6.3.4, §10.2 / RFC 1928 §3-6: the subset of SOCKS5 that S5B uses
// (method negotiation without authentication, CONNECT request, reply). Pure: bytes in, typed
// values out; no sockets, no timers. Decoders are incremental (ARCHITECTURE rule 2): they return
// null until a whole message is there, and hand back whatever follows it as `rest`.
import { Xep65Error } from '../errors.js';

export const SOCKS_VERSION = 5;
export const METHOD_NO_AUTH = 0;
export const METHOD_NONE_ACCEPTABLE = 0xff;
export const CMD_CONNECT = 1;
export const CMD_UDP_ASSOCIATE = 3;
export const ATYP_IPV4 = 1;
export const ATYP_DOMAIN = 3;
export const ATYP_IPV6 = 4;
export const REP_SUCCEEDED = 0;
export const REP_GENERAL_FAILURE = 1;
export const REP_NOT_ALLOWED = 2;
export const REP_HOST_UNREACHABLE = 4;
export const REP_COMMAND_NOT_SUPPORTED = 7;
export const REP_ATYP_NOT_SUPPORTED = 8;

export type Decoded<T> = { value: T; rest: Buffer } | null;

export interface Socks5Address {
  atyp: number;
  /** Dotted IPv4, RFC 5952 IPv6 text, or the domain as latin1 (XEP-0065: the 40-char dstAddr). */
  host: string;
  port: number;
}

/** RFC 1928 §6 reply field meanings, for error messages. */
const REPLY_TEXT: readonly string[] = [
  'succeeded',
  'general SOCKS server failure',
  'connection not allowed by ruleset',
  'network unreachable',
  'host unreachable',
  'connection refused',
  'TTL expired',
  'command not supported',
  'address type not supported',
];

export function describeReply(rep: number): string {
  return REPLY_TEXT[rep] ?? 'unassigned reply code';
}

function protocolError(message: string): Xep65Error {
  return new Xep65Error('protocol', message);
}

/** Encoding a value that cannot go on the wire is a bug in the caller, not a peer's fault. */
function encodeError(message: string): Xep65Error {
  return new Xep65Error('internal', message);
}

function checkVersion(buf: Buffer, what: string): void {
  if (buf.length > 0 && buf[0] !== SOCKS_VERSION) {
    throw protocolError(`SOCKS5 ${what}: version ${buf[0]}, expected ${SOCKS_VERSION}`);
  }
}

// RFC 1928 §3: VER NMETHODS METHODS[1..255]
export function encodeGreeting(methods: readonly number[]): Buffer {
  if (methods.length < 1 || methods.length > 255) throw encodeError(`SOCKS5 greeting needs 1-255 methods, got ${methods.length}`);
  return Buffer.from([SOCKS_VERSION, methods.length, ...methods]);
}

export function decodeGreeting(buf: Buffer): Decoded<{ methods: number[] }> {
  checkVersion(buf, 'greeting');
  if (buf.length < 2) return null;
  const count = buf[1];
  if (count === 0) throw protocolError('SOCKS5 greeting offers no methods');
  if (buf.length < 2 + count) return null;
  return { value: { methods: [...buf.subarray(2, 2 + count)] }, rest: buf.subarray(2 + count) };
}

// RFC 1928 §3: VER METHOD
export function encodeMethodSelection(method: number): Buffer {
  return Buffer.from([SOCKS_VERSION, method]);
}

export function decodeMethodSelection(buf: Buffer): Decoded<{ method: number }> {
  checkVersion(buf, 'method selection');
  if (buf.length < 2) return null;
  return { value: { method: buf[1] }, rest: buf.subarray(2) };
}

// RFC 1928 §4: VER CMD RSV ATYP DST.ADDR DST.PORT. XEP-0065 §10.2 hardcodes ATYP 3 (domain)
// carrying the 40-char dstAddr, and port 0, so requests are always encoded with ATYP 3.
export function encodeRequest(cmd: number, host: string, port: number): Buffer {
  return encodeAddressed(cmd, { atyp: ATYP_DOMAIN, host, port });
}

export function decodeRequest(buf: Buffer): Decoded<{ cmd: number } & Socks5Address> {
  const decoded = decodeAddressed(buf, 'request');
  if (decoded === null) return null;
  const { code, ...addr } = decoded.value;
  return { value: { cmd: code, ...addr }, rest: decoded.rest };
}

// RFC 1928 §6: VER REP RSV ATYP BND.ADDR BND.PORT. XEP-0065 §5.3.2 wants BND echoing DST, but
// some servers (Pidgin) send their own IP: any address type is accepted here.
export function encodeReply(rep: number, addr: Socks5Address): Buffer {
  return encodeAddressed(rep, addr);
}

export function decodeReply(buf: Buffer): Decoded<{ rep: number } & Socks5Address> {
  const decoded = decodeAddressed(buf, 'reply');
  if (decoded === null) return null;
  const { code, ...addr } = decoded.value;
  return { value: { rep: code, ...addr }, rest: decoded.rest };
}

function encodeAddressed(code: number, addr: Socks5Address): Buffer {
  return Buffer.concat([Buffer.from([SOCKS_VERSION, code, 0]), encodeAddress(addr)]);
}

/** Requests and replies share one layout; only the meaning of byte 1 differs. RSV is not checked. */
function decodeAddressed(buf: Buffer, what: string): Decoded<{ code: number } & Socks5Address> {
  checkVersion(buf, what);
  if (buf.length < 4) return null;
  const size = addressSize(buf, 3, what);
  if (size === null || buf.length < 3 + size) return null;
  return { value: { code: buf[1], ...readAddress(buf, 3) }, rest: buf.subarray(3 + size) };
}

/** Bytes taken by ATYP + ADDR + PORT starting at `at`, or null while the length is not known yet. */
function addressSize(buf: Buffer, at: number, what: string): number | null {
  switch (buf[at]) {
    case ATYP_IPV4:
      return 1 + 4 + 2;
    case ATYP_IPV6:
      return 1 + 16 + 2;
    case ATYP_DOMAIN:
      return buf.length > at + 1 ? 1 + 1 + buf[at + 1] + 2 : null;
    default:
      throw protocolError(`SOCKS5 ${what}: unknown address type ${buf[at]}`);
  }
}

function readAddress(buf: Buffer, at: number): Socks5Address {
  const atyp = buf[at];
  if (atyp === ATYP_IPV4) return { atyp, host: [...buf.subarray(at + 1, at + 5)].join('.'), port: buf.readUInt16BE(at + 5) };
  if (atyp === ATYP_IPV6) return { atyp, host: formatIPv6(buf.subarray(at + 1, at + 17)), port: buf.readUInt16BE(at + 17) };
  const end = at + 2 + buf[at + 1];
  return { atyp, host: buf.toString('latin1', at + 2, end), port: buf.readUInt16BE(end) };
}

function encodeAddress(addr: Socks5Address): Buffer {
  if (!Number.isInteger(addr.port) || addr.port < 0 || addr.port > 0xffff) throw encodeError(`SOCKS5 port out of range: ${addr.port}`);
  const port = Buffer.alloc(2);
  port.writeUInt16BE(addr.port);
  return Buffer.concat([Buffer.from([addr.atyp]), encodeHost(addr), port]);
}

function encodeHost({ atyp, host }: Socks5Address): Buffer {
  if (atyp === ATYP_IPV4) return parseIPv4(host);
  if (atyp === ATYP_IPV6) return parseIPv6(host);
  if (atyp !== ATYP_DOMAIN) throw encodeError(`unknown SOCKS5 address type ${atyp}`);
  // Latin-1 keeps one byte per char; anything wider would be silently mangled by Buffer.from.
  if (/[^\x00-\xff]/.test(host)) throw encodeError(`SOCKS5 domain is not latin1: ${host}`);
  if (host.length > 255) throw encodeError(`SOCKS5 domain longer than 255 bytes (${host.length})`);
  return Buffer.concat([Buffer.from([host.length]), Buffer.from(host, 'latin1')]);
}

function parseIPv4(text: string): Buffer {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  const bytes = parts ? parts.slice(1).map(Number) : [];
  if (bytes.length !== 4 || bytes.some((b) => b > 255)) throw encodeError(`not an IPv4 address: ${text}`);
  return Buffer.from(bytes);
}

function parseIPv6(text: string): Buffer {
  const groups = ipv6Groups(text);
  if (groups === null) throw encodeError(`not an IPv6 address: ${text}`);
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** The eight 16-bit groups of an IPv6 literal ("::" and a trailing dotted IPv4 allowed), or null. */
function ipv6Groups(text: string): number[] | null {
  let hex = text;
  const v4 = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = parseIPv4(v4[1]);
    hex = `${text.slice(0, text.length - v4[1].length)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const halves = hex.split('::');
  if (halves.length > 2) return null;
  const split = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = split(halves[0]);
  const tail = halves.length === 2 ? split(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(missing).fill('0'), ...tail];
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}

/** RFC 5952 §4: lowercase, no leading zeros, the longest run (>= 2) of zero groups as "::". */
function formatIPv6(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len) best = { start: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const text = groups.map((g) => g.toString(16));
  if (best.len < 2) return text.join(':');
  return `${text.slice(0, best.start).join(':')}::${text.slice(best.start + best.len).join(':')}`;
}

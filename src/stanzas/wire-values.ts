// Reading untrusted values off the wire, shared by the Jingle parsers (XEP-0166, XEP-0234,
// XEP-0260, XEP-0261, XEP-0300): one result shape, plain decimals only, non-empty attributes,
// and peer text quoted short in messages (a megabyte attribute must not become a megabyte log line).
import type { Element } from '@xmpp/xml';

/** What every Jingle parser returns: the value, or why not (a reason to branch on, a message for people). */
export type Parsed<T, R extends string = 'bad-request'> = { ok: true; value: T } | { ok: false; reason: R; message: string };

export function accept<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function refuse<R extends string>(reason: R, message: string): { ok: false; reason: R; message: string } {
  return { ok: false, reason, message };
}

/**
 * Plain decimal digits only, at most `max`: Number() would also take '1e3', '0x10', ' 42 ', '-0'
 * and '' (as 0). At most 16 digits, so the check costs nothing on a huge value.
 */
export function parseDecimal(value: unknown, max: number): number | undefined {
  if (typeof value !== 'string' || !/^[0-9]{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= max ? n : undefined;
}

/** An attribute that is a non-empty string, else undefined. */
export function attr(el: Element, name: string): string | undefined {
  const value = el.attrs[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A peer's value for a message: JSON-quoted, cut at 40 characters. */
export function quote(value: unknown): string {
  const text = String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** One of `allowed`, or undefined (absent, empty, or anything else). */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

// Human-readable sizes and rates (SI units, as `ls -h --si` and network tools print them).
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${Math.round(n)} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatRate(bytes: number, seconds: number): string {
  return seconds > 0 ? `${formatBytes(bytes / seconds)}/s` : '-';
}

/**
 * Offered names and JIDs are untrusted: no control or direction characters reach the terminal,
 * bidi marks (LRM, RLM, ALM) and U+2028/U+2029 line and paragraph separators included.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, '?');
}

/** Peer-chosen identifiers (a sid has no length limit, XEP-0065 1.8) are cut for a log line. */
export function printableId(text: string, max = 64): string {
  const shown = printable(text);
  return shown.length <= max ? shown : `${shown.slice(0, max - 1)}…`;
}

// Offered file names are untrusted (XEP-0096 §7 Security Considerations): keep only a final
// path component, with no control or direction-override characters, no leading dots, and at
// most 255 bytes, so a name can never leave the receive directory or hide itself.

const MAX_BYTES = 255;
/** Room for the part file's name around NAME: `.NAME.xep65-PID-RANDOM.part`, PID up to 7 digits. */
const PART_SUFFIX_ROOM = '.'.length + '.xep65-'.length + 7 + '-'.length + 8 + '.part'.length;

export function safeFileName(offered: string): string {
  const last = lastComponent(offered);
  const cleaned = capMarkRuns(last)
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .trim()
    .replace(/^[.\s-]+/, '');
  return truncateBytes(cleaned === '' ? 'file' : cleaned, MAX_BYTES - PART_SUFFIX_ROOM);
}

const MAX_MARK_RUN = 30;

/**
 * At most 30 combining marks in a row (UAX #15 §13, Stream-Safe Text Format; no real name has
 * more): NFC reorders a run in time quadratic in its length (100,000 marks took ~10 s). A loop, as
 * a regular expression over an unbounded run runs out of backtracking stack past ~4 million marks.
 */
function capMarkRuns(name: string): string {
  if (!/\p{M}/u.test(name)) return name;
  const kept: string[] = [];
  let run = 0;
  let from = 0;
  let at = 0;
  for (const char of name) {
    run = /\p{M}/u.test(char) ? run + 1 : 0;
    if (run === MAX_MARK_RUN + 1) kept.push(name.slice(from, at));
    at += char.length;
    if (run > MAX_MARK_RUN) from = at; // dropped: keep from the next character on
  }
  kept.push(name.slice(from));
  return kept.join('');
}

/** `name (n).ext` for the n-th alternative to an existing name (n >= 1). */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  return `${stem} (${n})${ext}`;
}

/**
 * Cuts at a character boundary, keeping the extension when there is room for it. One pass over
 * the characters: the offered name is untrusted and may be hundreds of kilobytes long.
 */
function truncateBytes(name: string, max: number): string {
  if (Buffer.byteLength(name) <= max) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && Buffer.byteLength(name.slice(dot)) <= 16 ? name.slice(dot) : '';
  const room = max - Buffer.byteLength(ext);
  let bytes = 0;
  let end = 0;
  for (const char of name.slice(0, name.length - ext.length)) {
    const size = utf8Length(char.codePointAt(0)!);
    if (bytes + size > room) break;
    bytes += size;
    end += char.length;
  }
  return name.slice(0, end) + ext;
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

const MAX_DEPTH = 16;

/**
 * The path components of an offered name that may carry directories ("photos/2024/a.jpg", as our
 * sender offers a directory): each cleaned as safeFileName cleans a name; '', '.' and '..' are
 * dropped, so the result always stays below the receive directory. The last one is the file name.
 */
export function safeRelativePath(offered: string): string[] {
  // The first MAX_DEPTH + 1 components are enough to know the directories kept: with more, the
  // last one (the file name) is not among the first MAX_DEPTH.
  const first = components(offered, MAX_DEPTH + 1);
  const dirs = (first.length > MAX_DEPTH ? first.slice(0, MAX_DEPTH) : first.slice(0, -1)).map(safeFileName);
  return [...dirs, safeFileName(offered)];
}

const isSeparator = (code: number) => code === 0x2f || code === 0x5c; // '/' or '\\'
const isPathComponent = (c: string) => c !== '' && c !== '.' && c !== '..';

/**
 * The last path component that names something (not '', '.' or '..'), found from the end in one
 * pass: a name of 200,000 separators must not become 100,000 strings.
 */
function lastComponent(offered: string): string {
  let end = offered.length;
  for (let i = offered.length - 1; i >= -1; i--) {
    if (i >= 0 && !isSeparator(offered.charCodeAt(i))) continue;
    const c = offered.slice(i + 1, end);
    if (isPathComponent(c)) return c;
    end = i;
  }
  return '';
}

/** Up to `max` path components that name something, from the start. */
function components(offered: string, max: number): string[] {
  const found: string[] = [];
  let start = 0;
  for (let i = 0; i <= offered.length && found.length < max; i++) {
    if (i < offered.length && !isSeparator(offered.charCodeAt(i))) continue;
    const c = offered.slice(start, i);
    if (isPathComponent(c)) found.push(c);
    start = i + 1;
  }
  return found;
}

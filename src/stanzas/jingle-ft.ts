// Jingle File Transfer (XEP-0234, urn:xmpp:jingle:apps:file-transfer:5): the offer's
// <description><file/></description> (§5, §6.1), the session-info payloads <received/> (§8.1) and
// <checksum/> (§8.2), and the file-transfer conditions carried in a Jingle <reason/> (§9).
// The :3 and :4 versions (old Conversations builds) are recognised and refused by name, so the
// session can answer <unsupported-applications/> (XEP-0166 §7.4) instead of a bare error.
import xml, { type Element } from '@xmpp/xml';
import type { FileDescription, FileRange } from './file.js';
import { buildHash, buildHashUsed, parseHashList, type Hash } from './hashes.js';
import { CREATORS, type Creator, type JingleReason } from './jingle.js';
import { NS_JINGLE_FT, NS_JINGLE_FT_3, NS_JINGLE_FT_4, NS_JINGLE_FT_ERRORS } from './ns.js';
import { accept, attr, oneOf, parseDecimal, quote, refuse, type Parsed } from './wire-values.js';

/** Why a <description/> is not an offer we can take. 'incomplete': no name or no size (§5 allows both). */
export type DescriptionRefusal = 'unsupported-application' | 'old-version' | 'bad-request' | 'incomplete';

export function buildFileTransferDescription(file: FileDescription): Element {
  return xml('description', { xmlns: NS_JINGLE_FT }, buildFile(file));
}

export function buildFile(file: FileDescription): Element {
  const el = xml('file', {}, xml('name', {}, file.name), xml('size', {}, String(file.size)));
  if (file.mediaType) el.append(xml('media-type', {}, file.mediaType));
  if (file.date) el.append(xml('date', {}, file.date));
  if (file.desc) el.append(xml('desc', {}, file.desc));
  if (file.range) el.append(buildRange(file.range));
  for (const h of file.hashes) el.append(buildHash(h));
  for (const algo of file.hashUsed ?? []) el.append(buildHashUsed(algo));
  return el;
}

function buildRange(range: FileRange, hashes: readonly Hash[] = []): Element {
  const attrs = { ...(range.offset !== 0 ? { offset: String(range.offset) } : {}), ...(range.length !== undefined ? { length: String(range.length) } : {}) };
  return xml('range', attrs, ...hashes.map(buildHash));
}

/** A file offer's description. Hash values we cannot read refuse it (see parseHashList). */
export function parseFileTransferDescription(el: Element): Parsed<FileDescription, DescriptionRefusal> {
  const ns = el.getNS();
  if (ns === NS_JINGLE_FT_3 || ns === NS_JINGLE_FT_4) return refuse('old-version', `file transfer ${ns.slice(ns.lastIndexOf(':') + 1)} is not supported (only :5)`);
  if (el.getName() !== 'description' || ns !== NS_JINGLE_FT) return refuse('unsupported-application', `unsupported application ${quote(ns ?? '')}`);
  const files = el.getChildren('file', NS_JINGLE_FT);
  if (files.length !== 1) return refuse('bad-request', `the description has ${files.length} <file/> elements, not 1`);
  const parsed = parseFileElement(files[0]!);
  if (!parsed.ok) return parsed;
  const { name, size, ...rest } = parsed.value;
  if (name === undefined) return refuse('incomplete', 'the offered file has no name');
  if (size === undefined) return refuse('incomplete', 'the offered file has no size');
  return accept({ name, size, ...rest });
}

type WireFile = Omit<FileDescription, 'name' | 'size'> & { name?: string; size?: number };

/** §5: every child is optional; a size, range or hash that is present must be readable. */
function parseFileElement(el: Element): Parsed<WireFile> {
  const file: WireFile = { hashes: [] };
  const name = el.getChildText('name', NS_JINGLE_FT);
  if (name) file.name = name;
  const sizeText = el.getChildText('size', NS_JINGLE_FT)?.trim();
  if (sizeText) {
    const size = parseDecimal(sizeText, Number.MAX_SAFE_INTEGER);
    if (size === undefined) return refuse('bad-request', `file size ${quote(sizeText)} is not a plain decimal`);
    file.size = size;
  }
  for (const [key, child] of [['mediaType', 'media-type'], ['date', 'date']] as const) {
    const text = el.getChildText(child, NS_JINGLE_FT)?.trim();
    if (text) file[key] = text;
  }
  const desc = el.getChildren('desc', NS_JINGLE_FT).map((d) => d.getText()).find((d) => d !== '');
  if (desc) file.desc = desc;
  const rangeEl = el.getChild('range', NS_JINGLE_FT);
  if (rangeEl) {
    const range = parseRange(rangeEl);
    if (!range.ok) return range;
    file.range = range.value;
  }
  const hashes = parseHashList(el);
  if (!hashes.ok) return hashes;
  file.hashes = hashes.value.hashes;
  if (hashes.value.hashUsed.length > 0) file.hashUsed = hashes.value.hashUsed;
  return accept(file);
}

function parseRange(el: Element): Parsed<FileRange> {
  const range: FileRange = { offset: 0 };
  for (const key of ['offset', 'length'] as const) {
    const value = el.attrs[key];
    if (value === undefined) continue;
    const n = parseDecimal(value, Number.MAX_SAFE_INTEGER);
    if (n === undefined) return refuse('bad-request', `range ${key} ${quote(value)} is not a plain decimal`);
    range[key] = n;
  }
  return accept(range);
}

/** §8.1/§8.2 name the content by creator and name; both SHOULD be there, so both may be missing. */
export interface ContentRef {
  creator?: Creator;
  name?: string;
}

/** §8.2: hashes of the whole file, or (ranged transfer) of the range sent. */
export interface Checksum extends ContentRef {
  hashes: Hash[];
  range?: FileRange & { hashes: Hash[] };
}

export type FileTransferInfo = ({ kind: 'checksum' } & Checksum) | ({ kind: 'received' } & ContentRef);

export function buildChecksum(c: Checksum): Element {
  const file = xml('file', {}, ...(c.range ? [buildRange(c.range, c.range.hashes)] : []), ...c.hashes.map(buildHash));
  return xml('checksum', { xmlns: NS_JINGLE_FT, ...refAttrs(c) }, file);
}

export function buildReceived(r: ContentRef): Element {
  return xml('received', { xmlns: NS_JINGLE_FT, ...refAttrs(r) });
}

/** A session-info payload; 'unsupported-info' for anything else, as XEP-0166 §6.8 answers it. */
export function parseFileTransferInfo(el: Element): Parsed<FileTransferInfo, 'unsupported-info' | 'bad-request'> {
  const name = el.getName();
  if (el.getNS() !== NS_JINGLE_FT || (name !== 'checksum' && name !== 'received')) return refuse('unsupported-info', `unsupported session-info ${quote(el.name)}`);
  const ref = parseRef(el);
  if (!ref.ok) return ref;
  if (name === 'received') return accept({ kind: 'received', ...ref.value });
  const file = el.getChild('file', NS_JINGLE_FT);
  if (!file) return refuse('bad-request', 'checksum has no <file/>');
  const hashes = parseHashList(file);
  if (!hashes.ok) return hashes;
  const checksum: Checksum = { ...ref.value, hashes: hashes.value.hashes };
  const rangeEl = file.getChild('range', NS_JINGLE_FT);
  if (rangeEl) {
    const range = parseRange(rangeEl);
    const rangeHashes = parseHashList(rangeEl);
    if (!range.ok) return range;
    if (!rangeHashes.ok) return rangeHashes;
    checksum.range = { ...range.value, hashes: rangeHashes.value.hashes };
  }
  return accept({ kind: 'checksum', ...checksum });
}

function refAttrs(r: ContentRef): Record<string, string> {
  return { ...(r.creator ? { creator: r.creator } : {}), ...(r.name ? { name: r.name } : {}) };
}

function parseRef(el: Element): Parsed<ContentRef> {
  const ref: ContentRef = {};
  if (el.attrs.creator !== undefined) {
    const creator = oneOf(el.attrs.creator, CREATORS);
    if (!creator) return refuse('bad-request', `creator ${quote(el.attrs.creator)} is not initiator or responder`);
    ref.creator = creator;
  }
  const name = attr(el, 'name');
  if (name) ref.name = name;
  return accept(ref);
}

/** §9, each with the Jingle condition it goes with in the same <reason/>. */
export const FILE_TRANSFER_ERRORS = {
  'file-not-available': 'failed-application',
  'file-too-large': 'media-error',
} as const;
export type FileTransferErrorCondition = keyof typeof FILE_TRANSFER_ERRORS;

/** The <reason/> of a session-terminate, content-reject or content-remove for a §9 condition. */
export function fileTransferReason(condition: FileTransferErrorCondition, text?: string): JingleReason {
  return { condition: FILE_TRANSFER_ERRORS[condition], ...(text ? { text } : {}), appCondition: { name: condition, ns: NS_JINGLE_FT_ERRORS } };
}

export function parseFileTransferError(reason: JingleReason | undefined): FileTransferErrorCondition | undefined {
  const app = reason?.appCondition;
  return app?.ns === NS_JINGLE_FT_ERRORS && Object.hasOwn(FILE_TRANSFER_ERRORS, app.name) ? (app.name as FileTransferErrorCondition) : undefined;
}

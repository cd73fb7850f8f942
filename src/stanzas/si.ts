// Stream Initiation (XEP-0095 §3) with the File Transfer profile (XEP-0096 §3.1-3.2, ranged
// transfers §3.3) and stream-method negotiation by Feature Negotiation (XEP-0020 §3, XEP-0004).
import xml, { type Element } from '@xmpp/xml';
import { NS_DATA, NS_FEATURE_NEG, NS_SI, NS_SI_FILE } from './ns.js';

const STREAM_METHOD = 'stream-method';

/** What XEP-0096 §3.1 lets a sender say about a file. */
export interface FileInfo {
  name: string;
  size: number;
  mimeType?: string;
  /** MD5 of the content, lowercase hex (XEP-0096 §3.1 'hash'). */
  hash?: string;
  /** ISO 8601 (XEP-0082) last modification time. */
  date?: string;
  desc?: string;
  /** The offer carries <range/> (XEP-0096 §3.3): the receiver may ask for a part of the file. */
  ranged?: boolean;
}

/** XEP-0096 §3.3: the part of the file the receiver wants. */
export interface SiRange {
  offset: number;
  /** Absent: to the end of the file. */
  length?: number;
}

export interface SiOffer {
  sid: string;
  profile: string;
  file: FileInfo;
  /** Stream-method namespaces in the order the sender listed them (empty values dropped). */
  streamMethods: string[];
}

export function buildSiOffer(offer: SiOffer): Element {
  const { file } = offer;
  const fileEl = xml('file', {
    xmlns: NS_SI_FILE,
    name: file.name,
    size: String(file.size),
    ...(file.hash ? { hash: file.hash } : {}),
    ...(file.date ? { date: file.date } : {}),
  });
  if (file.desc) fileEl.append(xml('desc', {}, file.desc));
  if (file.ranged) fileEl.append(xml('range'));
  return xml(
    'si',
    { xmlns: NS_SI, id: offer.sid, profile: offer.profile, ...(file.mimeType ? { 'mime-type': file.mimeType } : {}) },
    fileEl,
    buildMethodForm('form', offer.streamMethods),
  );
}

export type SiParseResult = { ok: true; offer: SiOffer } | { ok: false; reason: 'bad-request' | 'bad-profile'; message: string };

/** Parses an incoming <si/>; says why it is unusable instead of throwing (the caller answers with an error). */
export function parseSiOffer(si: Element): SiParseResult {
  const sid = si.attrs.id;
  const profile = String(si.attrs.profile ?? '');
  if (typeof sid !== 'string' || sid === '') return { ok: false, reason: 'bad-request', message: 'SI offer has no id' };
  if (profile !== NS_SI_FILE) return { ok: false, reason: 'bad-profile', message: `unsupported SI profile '${profile}'` };
  const fileEl = si.getChild('file', NS_SI_FILE);
  if (!fileEl) return { ok: false, reason: 'bad-request', message: 'SI offer has no <file/>' };
  const name = fileEl.attrs.name;
  const size = parseSize(fileEl.attrs.size);
  if (typeof name !== 'string' || name === '') return { ok: false, reason: 'bad-request', message: 'file has no name' };
  if (size === undefined) return { ok: false, reason: 'bad-request', message: 'file has no valid size' };
  const file: FileInfo = { name, size };
  const mimeType = si.attrs['mime-type'];
  if (typeof mimeType === 'string' && mimeType !== '') file.mimeType = mimeType;
  if (typeof fileEl.attrs.hash === 'string' && /^[0-9a-fA-F]{32}$/.test(fileEl.attrs.hash)) file.hash = fileEl.attrs.hash.toLowerCase();
  if (typeof fileEl.attrs.date === 'string') file.date = fileEl.attrs.date;
  const desc = fileEl.getChildText('desc');
  if (desc) file.desc = desc;
  if (fileEl.getChild('range')) file.ranged = true;
  return { ok: true, offer: { sid, profile, file, streamMethods: parseMethods(si) } };
}

/** The receiver's answer: the chosen stream method (XEP-0095 §3, example 2), and a range (§3.3). */
export function buildSiAccept(method: string, range?: SiRange): Element {
  const fileEl = range && xml('file', { xmlns: NS_SI_FILE }, xml('range', { offset: String(range.offset), ...(range.length !== undefined ? { length: String(range.length) } : {}) }));
  return xml('si', { xmlns: NS_SI }, ...(fileEl ? [fileEl] : []), buildMethodForm('submit', [method]));
}

/**
 * The range the receiver asked for, when its answer has one; undefined also for a range that is
 * not plain decimals (then the whole file goes, which the receiver's size check tells).
 */
export function parseSiAcceptRange(si: Element | undefined): SiRange | undefined {
  const el = si?.getChild('file', NS_SI_FILE)?.getChild('range');
  if (!el) return undefined;
  const offset = el.attrs.offset === undefined ? 0 : parseSize(el.attrs.offset);
  const length = el.attrs.length === undefined ? undefined : parseSize(el.attrs.length);
  if (offset === undefined || (el.attrs.length !== undefined && length === undefined)) return undefined;
  return { offset, ...(length !== undefined ? { length } : {}) };
}

/** The stream method the receiver chose, or undefined when the answer names none. */
export function parseSiAccept(si: Element | undefined): string | undefined {
  if (!si) return undefined;
  return parseMethods(si)[0];
}

function buildMethodForm(type: 'form' | 'submit', methods: readonly string[]): Element {
  const field =
    type === 'form'
      ? xml(
          'field',
          { var: STREAM_METHOD, type: 'list-single' },
          ...methods.map((m) => xml('option', {}, xml('value', {}, m))),
        )
      : xml('field', { var: STREAM_METHOD }, ...methods.map((m) => xml('value', {}, m)));
  return xml('feature', { xmlns: NS_FEATURE_NEG }, xml('x', { xmlns: NS_DATA, type }, field));
}

/** Values of the stream-method field, from <option><value/> (a form) or <value/> (a submit). */
function parseMethods(si: Element): string[] {
  const x = si.getChild('feature', NS_FEATURE_NEG)?.getChild('x', NS_DATA);
  const field = x?.getChildren('field').find((f) => f.attrs.var === STREAM_METHOD);
  if (!field) return [];
  const values = [...field.getChildren('option').map((o) => o.getChildText('value')), ...field.getChildren('value').map((v) => v.getText())];
  return values.map((v) => (v ?? '').trim()).filter((v) => v !== '');
}

function parseSize(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

// The Jingle envelope (XEP-0166 §7): <jingle action sid initiator? responder?> (§7.1) with its
// actions (§7.2), contents (§7.3) and reason (§7.4); and the Jingle error conditions (§10), built
// on the stanza error of RFC 6120 §8.3 (stanza-error.ts). A content's <description/> and
// <transport/> stay Elements here: jingle-ft.ts, jingle-s5b.ts and jingle-ibb.ts read them.
import xml, { type Element } from '@xmpp/xml';
import { NS_JINGLE, NS_JINGLE_ERRORS } from './ns.js';
import { buildError, type ErrorType, type StanzaErrorInfo } from './stanza-error.js';
import { accept, attr, oneOf, quote, refuse, type Parsed } from './wire-values.js';

/** §7.2: "If an entity receives a value not defined here, it … MUST return a <bad-request/> error." */
export const JINGLE_ACTIONS = [
  'content-accept',
  'content-add',
  'content-modify',
  'content-reject',
  'content-remove',
  'description-info',
  'security-info',
  'session-accept',
  'session-info',
  'session-initiate',
  'session-terminate',
  'transport-accept',
  'transport-info',
  'transport-reject',
  'transport-replace',
] as const;
export type JingleAction = (typeof JINGLE_ACTIONS)[number];

export const CREATORS = ['initiator', 'responder'] as const;
export type Creator = (typeof CREATORS)[number];
export const SENDERS = ['both', 'initiator', 'none', 'responder'] as const;
export type Senders = (typeof SENDERS)[number];

/** §7.4, every defined condition. */
export const REASON_CONDITIONS = [
  'alternative-session',
  'busy',
  'cancel',
  'connectivity-error',
  'decline',
  'expired',
  'failed-application',
  'failed-transport',
  'general-error',
  'gone',
  'incompatible-parameters',
  'media-error',
  'security-error',
  'success',
  'timeout',
  'unsupported-applications',
  'unsupported-transports',
] as const;
export type ReasonCondition = (typeof REASON_CONDITIONS)[number];

export interface JingleReason {
  condition: ReasonCondition;
  text?: string;
  /** alternative-session's <sid/>: the session to use instead. */
  sid?: string;
  /** The element in another namespace with details (e.g. XEP-0234 §9 <file-too-large/>). */
  appCondition?: { name: string; ns: string };
}

export interface JingleContent {
  /** §7.3: REQUIRED in the schema; the text gives 'initiator' as the default, which we apply. */
  creator: Creator;
  name: string;
  /** Absent means 'both' (§7.3); XEP-0234 §4.1 requires it for file transfer. */
  senders?: Senders;
  disposition?: string;
  description?: Element;
  transport?: Element;
}

export interface Jingle {
  action: JingleAction;
  sid: string;
  initiator?: string;
  responder?: string;
  contents: JingleContent[];
  reason?: JingleReason;
  /** Children in other namespaces: the payload of session-info and the like (§6.8). */
  payloads: Element[];
}

export function buildJingle(j: Jingle): Element {
  const attrs = {
    xmlns: NS_JINGLE,
    action: j.action,
    ...(j.initiator ? { initiator: j.initiator } : {}),
    ...(j.responder ? { responder: j.responder } : {}),
    sid: j.sid,
  };
  return xml('jingle', attrs, ...j.contents.map(buildContent), ...(j.reason ? [buildReason(j.reason)] : []), ...j.payloads);
}

export function buildContent(c: JingleContent): Element {
  const attrs = {
    creator: c.creator,
    ...(c.disposition ? { disposition: c.disposition } : {}),
    name: c.name,
    ...(c.senders ? { senders: c.senders } : {}),
  };
  return xml('content', attrs, ...(c.description ? [c.description] : []), ...(c.transport ? [c.transport] : []));
}

export function buildReason(r: JingleReason): Element {
  const condition = xml(r.condition, {}, ...(r.condition === 'alternative-session' && r.sid ? [xml('sid', {}, r.sid)] : []));
  const reason = xml('reason', {}, condition);
  if (r.text) reason.append(xml('text', {}, r.text));
  if (r.appCondition) reason.append(xml(r.appCondition.name, { xmlns: r.appCondition.ns }));
  return reason;
}

/** A <jingle/> from the network; every refusal is one §7.2 answers with <bad-request/>. */
export function parseJingle(el: Element): Parsed<Jingle> {
  if (el.getName() !== 'jingle' || el.getNS() !== NS_JINGLE) return refuse('bad-request', `not a Jingle element: ${quote(el.name)}`);
  const action = oneOf(el.attrs.action, JINGLE_ACTIONS);
  if (!action) return refuse('bad-request', `unknown Jingle action ${quote(el.attrs.action ?? '')}`);
  const sid = attr(el, 'sid');
  if (!sid) return refuse('bad-request', 'Jingle element has no sid');
  const jingle: Jingle = { action, sid, contents: [], payloads: [] };
  const initiator = attr(el, 'initiator');
  const responder = attr(el, 'responder');
  if (initiator) jingle.initiator = initiator;
  if (responder) jingle.responder = responder;
  for (const child of el.getChildElements()) {
    if (child.getNS() !== NS_JINGLE) jingle.payloads.push(child);
    else if (child.getName() === 'content') {
      const content = parseContent(child);
      if (!content.ok) return content;
      jingle.contents.push(content.value);
    } else if (child.getName() === 'reason' && !jingle.reason) {
      const reason = parseReason(child);
      if (reason) jingle.reason = reason;
    }
  }
  return accept(jingle);
}

/** §7.3; one <description/> and one <transport/> at most, of any namespace (their parsers check it). */
export function parseContent(el: Element): Parsed<JingleContent> {
  const name = attr(el, 'name');
  if (!name) return refuse('bad-request', 'content has no name');
  const creator = el.attrs.creator === undefined ? 'initiator' : oneOf(el.attrs.creator, CREATORS);
  if (!creator) return refuse('bad-request', `content creator ${quote(el.attrs.creator)} is not initiator or responder`);
  const content: JingleContent = { creator, name };
  if (el.attrs.senders !== undefined) {
    const senders = oneOf(el.attrs.senders, SENDERS);
    if (!senders) return refuse('bad-request', `content senders ${quote(el.attrs.senders)} is not both, initiator, none or responder`);
    content.senders = senders;
  }
  const disposition = attr(el, 'disposition');
  if (disposition) content.disposition = disposition;
  for (const part of ['description', 'transport'] as const) {
    const found = el.getChildren(part);
    if (found.length > 1) return refuse('bad-request', `content ${quote(name)} has ${found.length} <${part}/> elements`);
    if (found[0]) content[part] = found[0];
  }
  return accept(content);
}

/** §7.4. A <reason/> without a defined condition (which it MUST have) counts as no reason. */
export function parseReason(el: Element): JingleReason | undefined {
  const children = el.getChildElements();
  const conditionEl = children.find((c) => c.getNS() === NS_JINGLE && oneOf(c.getName(), REASON_CONDITIONS));
  if (!conditionEl) return undefined;
  const reason: JingleReason = { condition: conditionEl.getName() as ReasonCondition };
  const text = el.getChildText('text');
  if (text) reason.text = text;
  const sid = reason.condition === 'alternative-session' ? conditionEl.getChildText('sid')?.trim() : undefined;
  if (sid) reason.sid = sid;
  const app = children.find((c) => c.getNS() !== NS_JINGLE);
  if (app) reason.appCondition = { name: app.getName(), ns: app.getNS() ?? '' };
  return reason;
}

/** §10, each with the stanza error it rides on (tie-break, unknown-session and unsupported-info as in §7.2, §6.7, §6.8). */
export const JINGLE_ERRORS = {
  'out-of-order': { type: 'wait', condition: 'unexpected-request' },
  'tie-break': { type: 'cancel', condition: 'conflict' },
  'unknown-session': { type: 'cancel', condition: 'item-not-found' },
  'unsupported-info': { type: 'modify', condition: 'feature-not-implemented' },
} as const satisfies Record<string, { type: ErrorType; condition: string }>;
export type JingleErrorCondition = keyof typeof JINGLE_ERRORS;

/** The <error/> to return for a Jingle IQ we refuse with a Jingle condition. */
export function buildJingleError(condition: JingleErrorCondition, text?: string): Element {
  const { type, condition: stanza } = JINGLE_ERRORS[condition];
  return buildError(type, stanza, { ...(text ? { text } : {}), app: xml(condition, { xmlns: NS_JINGLE_ERRORS }) });
}

/** The Jingle condition of an error a peer returned (from parseError), if it carries one. */
export function parseJingleError(info: StanzaErrorInfo): JingleErrorCondition | undefined {
  const app = info.appCondition;
  return app?.ns === NS_JINGLE_ERRORS && Object.hasOwn(JINGLE_ERRORS, app.name) ? (app.name as JingleErrorCondition) : undefined;
}

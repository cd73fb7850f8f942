// Stanza errors (RFC 6120 §8.3): build the <error/> child a handler returns for an expected
// refusal, and parse the one carried by an IQ of type 'error'.
import xml, { type Element } from '@xmpp/xml';
import { NS_STANZAS } from './ns.js';

export type ErrorType = 'auth' | 'cancel' | 'continue' | 'modify' | 'wait';

export interface StanzaErrorInfo {
  type: string;
  /** The defined condition, e.g. 'forbidden', 'item-not-found'; 'undefined-condition' if none. */
  condition: string;
  text?: string;
  /** Application-specific condition: the name of the child in another namespace, if any. */
  appCondition?: { name: string; ns: string };
}

export function buildError(type: ErrorType, condition: string, opts: { text?: string; app?: Element } = {}): Element {
  const error = xml('error', { type }, xml(condition, { xmlns: NS_STANZAS }));
  if (opts.text) error.append(xml('text', { xmlns: NS_STANZAS }, opts.text));
  if (opts.app) error.append(opts.app);
  return error;
}

/** The <error/> of an IQ of type 'error'. */
export function parseError(iq: Element): StanzaErrorInfo {
  return parseErrorElement(iq.getChild('error'));
}

export function parseErrorElement(error: Element | undefined): StanzaErrorInfo {
  if (!error) return { type: 'cancel', condition: 'undefined-condition' };
  let condition = 'undefined-condition';
  let text: string | undefined;
  let appCondition: StanzaErrorInfo['appCondition'];
  for (const child of error.getChildElements()) {
    const ns = child.getNS() ?? "";
    if (ns === NS_STANZAS && child.name === 'text') text = child.getText();
    else if (ns === NS_STANZAS) condition = child.name;
    else appCondition = { name: child.name, ns };
  }
  return { type: String(error.attrs.type ?? 'cancel'), condition, text, appCondition };
}

// -vv: every element sent and received, as XML, with credentials hidden: the text of SASL
// <auth/>, <response/>, <challenge/> and <success/> (RFC 6120 §6.4) carries the password or
// what it is derived from, so it is replaced before anything is printed.
import xml, { type Element } from '@xmpp/xml';
import { NS_SASL } from '../stanzas/ns.js';

const SECRET_ELEMENTS = new Set(['auth', 'response', 'challenge', 'success']);

export type XmlTrace = (direction: 'in' | 'out', xml: string) => void;

export function redactedXml(el: Element): string {
  if (SECRET_ELEMENTS.has(el.name) && el.getNS() === NS_SASL && el.getText() !== '') {
    return xml(el.name, el.attrs, '[hidden]').toString();
  }
  return el.toString();
}

// Service Discovery (XEP-0030 §3 info, §4 items): the queries we send and the answer we give.
import xml, { type Element } from '@xmpp/xml';
import { NS_DATA, NS_DISCO_INFO, NS_DISCO_ITEMS } from './ns.js';

export interface Identity {
  category: string;
  type: string;
  name?: string;
  /** xml:lang of the name. */
  lang?: string;
}

/** An extended information form (XEP-0128): its FORM_TYPE and the other fields' values. */
export interface DiscoForm {
  formType: string;
  fields: Array<{ var: string; values: string[] }>;
}

export interface DiscoInfo {
  identities: Identity[];
  features: string[];
  forms?: DiscoForm[];
}

export interface DiscoItem {
  jid: string;
  node?: string;
  name?: string;
}

export function buildDiscoInfoQuery(node?: string): Element {
  return xml('query', node ? { xmlns: NS_DISCO_INFO, node } : { xmlns: NS_DISCO_INFO });
}

export function buildDiscoItemsQuery(): Element {
  return xml('query', { xmlns: NS_DISCO_ITEMS });
}

export function buildDiscoInfo(info: DiscoInfo, node?: string): Element {
  return xml(
    'query',
    node ? { xmlns: NS_DISCO_INFO, node } : { xmlns: NS_DISCO_INFO },
    ...info.identities.map((i) => xml('identity', { category: i.category, type: i.type, ...(i.name ? { name: i.name } : {}), ...(i.lang ? { 'xml:lang': i.lang } : {}) })),
    ...info.features.map((f) => xml('feature', { var: f })),
  );
}

export function parseDiscoInfo(query: Element): DiscoInfo {
  return {
    identities: query.getChildren('identity').map((el) => ({
      category: String(el.attrs.category ?? ''),
      type: String(el.attrs.type ?? ''),
      ...(el.attrs.name ? { name: String(el.attrs.name) } : {}),
      ...(el.attrs['xml:lang'] ? { lang: String(el.attrs['xml:lang']) } : {}),
    })),
    features: query
      .getChildren('feature')
      .map((el) => String(el.attrs.var ?? ''))
      .filter((f) => f !== ''),
    ...withForms(query.getChildren('x', NS_DATA).flatMap(parseForm)),
  };
}

function withForms(forms: DiscoForm[]): { forms?: DiscoForm[] } {
  return forms.length > 0 ? { forms } : {};
}

/** A result form with a FORM_TYPE (XEP-0128 §2); forms without one are not extended info. */
function parseForm(x: Element): DiscoForm[] {
  const fields = x.getChildren('field').map((f) => ({ var: String(f.attrs.var ?? ''), values: f.getChildren('value').map((v) => v.text()) }));
  const formType = fields.find((f) => f.var === 'FORM_TYPE')?.values[0];
  if (formType === undefined) return [];
  return [{ formType, fields: fields.filter((f) => f.var !== 'FORM_TYPE' && f.var !== '') }];
}

export function parseDiscoItems(query: Element): DiscoItem[] {
  return query
    .getChildren('item')
    .filter((el) => typeof el.attrs.jid === 'string' && el.attrs.jid !== '')
    .map((el) => ({
      jid: String(el.attrs.jid),
      ...(el.attrs.node ? { node: String(el.attrs.node) } : {}),
      ...(el.attrs.name ? { name: String(el.attrs.name) } : {}),
    }));
}

// Service Discovery (XEP-0030 §3 info, §4 items): the queries we send and the answer we give.
import xml, { type Element } from '@xmpp/xml';
import { NS_DISCO_INFO, NS_DISCO_ITEMS } from './ns.js';

export interface Identity {
  category: string;
  type: string;
  name?: string;
}

export interface DiscoInfo {
  identities: Identity[];
  features: string[];
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
    ...info.identities.map((i) => xml('identity', { category: i.category, type: i.type, ...(i.name ? { name: i.name } : {}) })),
    ...info.features.map((f) => xml('feature', { var: f })),
  );
}

export function parseDiscoInfo(query: Element): DiscoInfo {
  return {
    identities: query.getChildren('identity').map((el) => ({
      category: String(el.attrs.category ?? ''),
      type: String(el.attrs.type ?? ''),
      ...(el.attrs.name ? { name: String(el.attrs.name) } : {}),
    })),
    features: query
      .getChildren('feature')
      .map((el) => String(el.attrs.var ?? ''))
      .filter((f) => f !== ''),
  };
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

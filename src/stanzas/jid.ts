// Minimal JID handling (RFC 7622 §3.1): split into parts without normalising, because the
// XEP-0065 hash must use JIDs exactly as on the wire. Validation is shallow on purpose.
import { Xep65Error } from '../errors.js';

export interface JidParts {
  local: string;
  domain: string;
  resource?: string;
}

export function parseJid(jid: string): JidParts {
  const slash = jid.indexOf('/');
  const bare = slash === -1 ? jid : jid.slice(0, slash);
  const resource = slash === -1 ? undefined : jid.slice(slash + 1);
  const at = bare.lastIndexOf('@');
  const local = at === -1 ? '' : bare.slice(0, at);
  const domain = at === -1 ? bare : bare.slice(at + 1);
  if (domain === '' || /\s/.test(domain) || resource === '' || (at !== -1 && local === '')) {
    throw new Xep65Error('usage', `'${jid}' is not a valid JID`);
  }
  return resource === undefined ? { local, domain } : { local, domain, resource };
}

export function bareJid(jid: string): string {
  const slash = jid.indexOf('/');
  return slash === -1 ? jid : jid.slice(0, slash);
}

export function domainOf(jid: string): string {
  return parseJid(jid).domain;
}

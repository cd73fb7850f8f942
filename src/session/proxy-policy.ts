// Who may use our proxy (XEP-0065 §4: "a proxy implementation may enable administrators to ban
// JIDs or domains from using the Proxy", answered with <forbidden/>). Rules name a full JID, a bare
// JID, a domain, or '*' for everyone; a deny rule beats an allow rule. Pure: no I/O.
import { parseJid, type JidParts } from '../stanzas/jid.js';

export interface ProxyPolicyRules {
  allow: readonly string[];
  deny: readonly string[];
}

type Rule = { kind: 'any' } | { kind: 'domain'; domain: string } | { kind: 'bare'; local: string; domain: string } | { kind: 'full'; local: string; domain: string; resource: string };

/** Parses the rules up front, so a typo is a usage error at start rather than a silent mismatch. */
export function createProxyPolicy(rules: ProxyPolicyRules): (requester: string) => boolean {
  const allow = rules.allow.map(parseRule);
  const deny = rules.deny.map(parseRule);
  return (requester) => {
    let who: JidParts;
    try {
      who = normalise(parseJid(requester));
    } catch {
      return false;
    }
    return !deny.some((r) => matches(r, who)) && allow.some((r) => matches(r, who));
  };
}

function parseRule(text: string): Rule {
  if (text === '*') return { kind: 'any' };
  const { local, domain, resource } = normalise(parseJid(text));
  if (!local) return { kind: 'domain', domain };
  return resource === undefined ? { kind: 'bare', local, domain } : { kind: 'full', local, domain, resource };
}

/** Local part and domain compare without case (RFC 7622 §3.2, §3.3); the resource exactly. */
function normalise(j: JidParts): JidParts {
  const out: JidParts = { local: j.local.toLowerCase(), domain: j.domain.toLowerCase().replace(/\.$/, '') };
  if (j.resource !== undefined) out.resource = j.resource;
  return out;
}

function matches(rule: Rule, who: JidParts): boolean {
  switch (rule.kind) {
    case 'any':
      return true;
    case 'domain':
      return who.domain === rule.domain;
    case 'bare':
      return who.local === rule.local && who.domain === rule.domain;
    case 'full':
      return who.local === rule.local && who.domain === rule.domain && who.resource === rule.resource;
  }
}

// Entity capabilities (XEP-0115): the verification string (§5.1, SHA-1 as §5.1 step 9 and the
// MTI hash of §8.4), the <c/> element we put in our presence (§4), and reading a peer's.
import { createHash } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import type { DiscoInfo, Identity } from './disco.js';
import { NS_CAPS } from './ns.js';

/** Where our disco#info lives, as `node#ver` (§6.2): the software's URI. */
export const XEP65_CAPS_NODE = 'https://www.npmjs.com/package/xep65';

export interface Caps {
  hash: string;
  node: string;
  ver: string;
}

/** §5.1: identities, features and extended forms in order, each followed by '<', SHA-1, base64. */
export function capsVer(info: DiscoInfo): string {
  const identities = info.identities.map(identityString).sort(octetCompare);
  const features = [...info.features].sort(octetCompare);
  const forms = [...(info.forms ?? [])].sort((a, b) => octetCompare(a.formType, b.formType));
  let s = [...identities, ...features].map((x) => `${x}<`).join('');
  for (const form of forms) {
    s += `${form.formType}<`;
    for (const field of [...form.fields].sort((a, b) => octetCompare(a.var, b.var))) {
      s += `${field.var}<` + [...field.values].sort(octetCompare).map((v) => `${v}<`).join('');
    }
  }
  return createHash('sha1').update(s, 'utf8').digest('base64');
}

function identityString(i: Identity): string {
  return `${i.category}/${i.type}/${i.lang ?? ''}/${i.name ?? ''}`;
}

/** "i;octet" collation (§5.1 step 2, RFC 4790 §9.3): byte order of the UTF-8. */
function octetCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function buildCaps(info: DiscoInfo, node = XEP65_CAPS_NODE): Element {
  return xml('c', { xmlns: NS_CAPS, hash: 'sha-1', node, ver: capsVer(info) });
}

/** The <c/> of a presence, when it has a usable one (a legacy one without 'hash' is ignored, §8.1). */
export function parseCaps(presence: Element): Caps | undefined {
  const c = presence.getChild('c', NS_CAPS);
  const { hash, node, ver } = c?.attrs ?? {};
  if (typeof hash !== 'string' || typeof node !== 'string' || typeof ver !== 'string' || !hash || !node || !ver) return undefined;
  return { hash, node, ver };
}

// The transports a Jingle File Transfer content may carry (XEP-0234 §10.1-10.2): S5B (XEP-0260)
// or IBB (XEP-0261), told apart by namespace. A peer may answer with a transport other than the
// one offered (Conversations#3478): the session takes whichever this finds.
import type { Element } from '@xmpp/xml';
import { parseIbbTransport, type IbbTransport } from './jingle-ibb.js';
import { parseS5bTransport, type S5bTransport } from './jingle-s5b.js';
import { NS_JINGLE_IBB, NS_JINGLE_S5B } from './ns.js';
import { accept, quote, refuse, type Parsed } from './wire-values.js';

export type JingleTransport = { method: 's5b'; transport: S5bTransport } | { method: 'ibb'; transport: IbbTransport };

/** 'unsupported-transport' for any other namespace (XEP-0166 §7.4 <unsupported-transports/>). */
export function parseJingleTransport(el: Element): Parsed<JingleTransport, 'unsupported-transport' | 'bad-request'> {
  const ns = el.getNS();
  if (ns === NS_JINGLE_S5B) {
    const parsed = parseS5bTransport(el);
    return parsed.ok ? accept({ method: 's5b', transport: parsed.value }) : parsed;
  }
  if (ns === NS_JINGLE_IBB) {
    const parsed = parseIbbTransport(el);
    return parsed.ok ? accept({ method: 'ibb', transport: parsed.value }) : parsed;
  }
  return refuse('unsupported-transport', `unsupported transport ${quote(ns ?? '')}`);
}

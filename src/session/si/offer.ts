// The sender's side of XEP-0095 §3 / XEP-0096 §3: offer the file and learn the chosen method,
// and the range the receiver wants (§3.3), checked to lie within the file.
import { Xep65Error } from '../../errors.js';
import { IqError } from '../../stanzas/iq-error.js';
import { buildSiOffer, parseSiAccept, parseSiAcceptRange, type FileInfo, type SiRange } from '../../stanzas/si.js';
import { NS_SI_FILE } from '../../stanzas/ns.js';
import type { RequestOptions, XmppPort } from '../ports.js';

export async function offerFile(
  xmpp: XmppPort,
  to: string,
  offer: { sid: string; file: FileInfo; streamMethods: string[] },
  opts: RequestOptions,
): Promise<{ method: string; range?: SiRange }> {
  let answer;
  try {
    answer = await xmpp.set(to, buildSiOffer({ ...offer, profile: NS_SI_FILE }), opts);
  } catch (err) {
    throw mapOfferError(err, to);
  }
  const method = parseSiAccept(answer);
  if (!method || !offer.streamMethods.includes(method)) {
    throw new Xep65Error('protocol', `${to} accepted with a stream method we did not offer (${method ?? 'none'})`);
  }
  const range = parseSiAcceptRange(answer);
  if (range && (range.offset > offer.file.size || (range.length !== undefined && range.offset + range.length > offer.file.size))) {
    throw new Xep65Error('protocol', `${to} asked for bytes ${range.offset}+${range.length ?? 'rest'} of a ${offer.file.size}-byte file`);
  }
  return { method, ...(range ? { range } : {}) };
}

function mapOfferError(err: unknown, to: string): unknown {
  if (!(err instanceof IqError)) return err;
  const { condition, appCondition, text } = err.info;
  if (appCondition?.name === 'no-valid-streams') return new Xep65Error('unsupported', `${to} supports none of our stream methods`, { cause: err });
  if (appCondition?.name === 'bad-profile') return new Xep65Error('unsupported', `${to} does not support the file-transfer profile`, { cause: err });
  if (condition === 'forbidden' || condition === 'not-acceptable' || condition === 'not-allowed') {
    return new Xep65Error('declined', `${to} declined the file${text ? `: ${text}` : ''}`, { cause: err });
  }
  if (condition === 'resource-constraint') {
    return new Xep65Error('declined', `${to} is busy and declined the file for now${text ? `: ${text}` : ''}`, { cause: err });
  }
  if (condition === 'service-unavailable' || condition === 'feature-not-implemented') {
    return new Xep65Error('unsupported', `${to} does not support SI file transfer (${condition})`, { cause: err });
  }
  return new Xep65Error('protocol', `${to} rejected the offer: ${condition}${text ? ` (${text})` : ''}`, { cause: err });
}

// Jingle In-Band Bytestreams (XEP-0261 §2-3) and the fallback to them (XEP-0260 §2.6): the
// transport element, and the transport-replace exchange from either side. The stream itself is
// XEP-0047's, from the shared layer (IBB sender and receiver).
import { randomBytes } from 'node:crypto';
import { Xep65Error } from '../../errors.js';
import type { Jingle, JingleContent } from '../../stanzas/jingle.js';
import { buildIbbTransport, parseIbbTransport, type IbbTransport } from '../../stanzas/jingle-ibb.js';
import { NS_JINGLE_IBB } from '../../stanzas/ns.js';
import type { JingleSession } from './session.js';

/** XEP-0047 §4 recommends 4096; the IBB sender negotiates down from what is offered anyway. */
export const IBB_BLOCK_SIZE = 4096;

export function ibbTransport(sid = `xep65-${randomBytes(8).toString('hex')}`, blockSize = IBB_BLOCK_SIZE): IbbTransport {
  return { sid, blockSize, stanza: 'iq' };
}

/** The IBB transport a transport-replace or transport-accept carries for the content, if any. */
export function ibbOf(j: Jingle): IbbTransport | undefined {
  for (const content of j.contents) {
    if (content.transport?.getNS() !== NS_JINGLE_IBB) continue;
    const parsed = parseIbbTransport(content.transport);
    if (parsed.ok) return parsed.value;
  }
  return undefined;
}

/** As the side whose S5B failed: propose IBB and wait for the peer's transport-accept (a transport-reject fails). */
export async function replaceWithIbb(session: JingleSession, content: Pick<JingleContent, 'creator' | 'name'>, signal: AbortSignal): Promise<IbbTransport> {
  const proposed = ibbTransport();
  const answer = session.next((j) => j.action === 'transport-accept' || j.action === 'transport-reject', signal);
  answer.catch(() => undefined);
  await session.send('transport-replace', { contents: [{ ...content, transport: buildIbbTransport(proposed) }] }, signal);
  const j = await answer;
  if (j.action === 'transport-reject') throw new Xep65Error('no-streamhost', `${session.peer} rejected the fallback to in-band bytestreams`);
  const accepted = ibbOf(j) ?? proposed;
  return { ...proposed, blockSize: Math.min(proposed.blockSize, accepted.blockSize) };
}

/** Accepts the peer's transport-replace to IBB (after `ready` prepared our side); the block size is at most ours. */
export async function acceptIbb(session: JingleSession, content: Pick<JingleContent, 'creator' | 'name'>, proposed: IbbTransport, signal: AbortSignal): Promise<IbbTransport> {
  const agreed = { ...proposed, blockSize: Math.min(proposed.blockSize, 65535) };
  await session.send('transport-accept', { contents: [{ ...content, transport: buildIbbTransport(agreed) }] }, signal);
  return agreed;
}

// A Jingle peer played by the test (test/jingle/): a real XMPP login (our own client code) that
// sends any <jingle/> it is told to, answers disco#info with the Jingle features, records every
// Jingle IQ it receives (acknowledging each, or answering what `answer` says), and can push an
// in-band bytestream by hand. Nothing here checks the xep65 under test: the test does.
import { readFile } from 'node:fs/promises';
import xml, { type Element } from '@xmpp/xml';
import { connectAccount } from '../../src/xmpp/connect-account.js';
import type { XmppSession } from '../../src/xmpp/connect.js';
import { buildDiscoInfo } from '../../src/stanzas/disco.js';
import { buildIbbClose, buildIbbData, buildIbbOpen } from '../../src/stanzas/ibb.js';
import { parseJingle, type Jingle } from '../../src/stanzas/jingle.js';
import { NS_DISCO_INFO, NS_IBB, NS_JINGLE } from '../../src/stanzas/ns.js';
import { jingleFeatures } from '../../src/session/jingle/support.js';
import type { IqAnswer } from '../../src/session/ports.js';
import type { IqError } from '../../src/stanzas/iq-error.js';
import type { PrivateProsody } from './prosody.js';

/** An IQ's outcome: true for a result, else the error condition (and the Jingle one, if any). */
export type Outcome = true | { condition: string; jingle?: string };

export interface JinglePeer {
  readonly jid: string;
  /** Sends a <jingle/> (or any payload) as an IQ set. */
  set(to: string, payload: Element): Promise<Outcome>;
  /** The next Jingle action received that matches (recorded ones first). */
  next(match: (j: Jingle) => boolean, timeoutMs?: number): Promise<Jingle>;
  /** Replaces the acknowledgement of incoming Jingle IQs. */
  answer(fn: (j: Jingle) => IqAnswer): void;
  /** The bytes received in-band on `sid` so far (the peer accepts every <open/>). */
  inBand(sid: string): Buffer;
  /** Told of each in-band data packet received (undefined: no longer). */
  onInBand(listener: ((sid: string) => void) | undefined): void;
  /** Sends `data` in-band on `sid` (open, data packets, close unless `close` is false). */
  ibb(to: string, sid: string, data: Buffer, opts?: { blockSize?: number; close?: boolean }): Promise<Outcome>;
  close(): Promise<void>;
}

export async function connectJinglePeer(prosody: PrivateProsody, user: string, password: string, resource = 'jingle-peer'): Promise<JinglePeer> {
  const [host, port] = prosody.server.split(':');
  const session: XmppSession = await connectAccount({
    jid: `${user}@${prosody.domain}`,
    password,
    resource,
    server: { host: host!, port: Number(port) },
    ca: await readFile(prosody.caFile, 'utf8'),
    timeoutMs: 20_000,
  });
  const received: Jingle[] = [];
  const waiters: Array<{ match: (j: Jingle) => boolean; resolve: (j: Jingle) => void }> = [];
  let answer: (j: Jingle) => IqAnswer = () => true;
  session.handle('get', NS_DISCO_INFO, 'query', () => buildDiscoInfo({ identities: [{ category: 'client', type: 'pc', name: 'test' }], features: [NS_DISCO_INFO, ...jingleFeatures(true)] }));
  session.handle('set', NS_JINGLE, 'jingle', ({ element }) => {
    const parsed = parseJingle(element);
    if (!parsed.ok) return true;
    const j = parsed.value;
    const index = waiters.findIndex((w) => w.match(j));
    if (index === -1) received.push(j);
    else waiters.splice(index, 1)[0]!.resolve(j);
    return answer(j);
  });
  const inBand = new Map<string, Buffer[]>();
  let onData: ((sid: string) => void) | undefined;
  session.handle('set', NS_IBB, 'open', ({ element }) => (inBand.set(String(element.attrs.sid), []), true));
  session.handle('set', NS_IBB, 'data', ({ element }) => {
    const sid = String(element.attrs.sid);
    inBand.get(sid)?.push(Buffer.from(element.getText(), 'base64'));
    onData?.(sid);
    return true;
  });
  session.handle('set', NS_IBB, 'close', () => true);
  await session.sendPresence(xml('presence'));
  const set = (to: string, payload: Element): Promise<Outcome> =>
    session.set(to, payload, { timeoutMs: 20_000 }).then(
      () => true as const,
      (err: unknown) => {
        const info = (err as IqError).info;
        return { condition: info?.condition ?? String(err), ...(info?.appCondition ? { jingle: info.appCondition.name } : {}) };
      },
    );
  return {
    get jid() {
      return session.jid;
    },
    set,
    next(match, timeoutMs = 20_000) {
      const index = received.findIndex(match);
      if (index !== -1) return Promise.resolve(received.splice(index, 1)[0]!);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no such Jingle action arrived')), timeoutMs);
        waiters.push({ match, resolve: (j) => (clearTimeout(timer), resolve(j)) });
      });
    },
    answer(fn) {
      answer = fn;
    },
    inBand: (sid) => Buffer.concat(inBand.get(sid) ?? []),
    onInBand(listener) {
      onData = listener;
    },
    async ibb(to, sid, data, opts = {}) {
      const blockSize = opts.blockSize ?? 4096;
      const opened = await set(to, buildIbbOpen(sid, blockSize));
      if (opened !== true) return opened;
      for (let off = 0, seq = 0; off < data.length; off += blockSize, seq = (seq + 1) & 0xffff) {
        const sent = await set(to, buildIbbData(sid, seq, data.subarray(off, off + blockSize)));
        if (sent !== true) return sent;
      }
      return opts.close === false ? true : set(to, buildIbbClose(sid));
    },
    close: () => session.close(),
  };
}

/** A <jingle/> from raw parts, for inputs our builders would never make. */
export function rawJingle(attrs: Record<string, string>, ...children: Element[]): Element {
  return xml('jingle', { xmlns: NS_JINGLE, ...attrs }, ...children);
}

// Fuzz targets for the XEP-0065 stanza parsers (streamhosts §5.3.1, streamhost-used §5.3.3,
// activate §6.3.5) and the XEP-0047 ones (open §2.1, data §2.2, close §2.3).
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import {
  buildActivate,
  type StreamhostOfferParse,
  buildStreamhostOffer,
  buildStreamhostUsed,
  parseActivate,
  parseStreamhostOffer,
  parseStreamhostUsed,
  parseStreamhosts,
  type Streamhost,
  type StreamhostOffer,
} from '../../../src/stanzas/bytestreams.js';
import { buildIbbClose, buildIbbData, buildIbbOpen, parseIbbClose, parseIbbData, parseIbbOpen } from '../../../src/stanzas/ibb.js';
import { NS_BYTESTREAMS, NS_IBB } from '../../../src/stanzas/ns.js';
import type { FuzzTarget } from '../engine.js';
import { randomBytes } from '../mutate.js';
import type { Rng } from '../prng.js';
import { hex, ipv4, jid, port, sid, word } from '../values.js';
import type { Vocabulary } from '../xml.js';
import { keysWithin, nonEmpty, stanzaTarget } from './stanza-target.js';

const S5B: Vocabulary = {
  names: ['query', 'streamhost', 'streamhost-used', 'activate', 'udpsuccess', 'fast'],
  attrs: ['xmlns', 'sid', 'mode', 'jid', 'host', 'port', 'dstaddr', 'zeroconf', 'xml:lang'],
  namespaces: [NS_BYTESTREAMS, 'jabber:client', '', 'http://affinix.com/jabber/stream', NS_IBB, NS_BYTESTREAMS.toUpperCase()],
};
const IBB: Vocabulary = {
  names: ['open', 'data', 'close', 'query'],
  attrs: ['xmlns', 'sid', 'block-size', 'seq', 'stanza'],
  namespaces: [NS_IBB, 'jabber:client', '', NS_BYTESTREAMS],
};

function streamhost(rng: Rng): Streamhost {
  const host = rng.pick([ipv4(rng), '2001:db8::1', `proxy.${word(rng)}.test`, word(rng)]);
  return { jid: jid(rng, rng.chance(0.2)), host, port: port(rng) };
}

function offer(rng: Rng): StreamhostOffer {
  const o: StreamhostOffer = { sid: sid(rng), mode: rng.chance(0.9) ? 'tcp' : 'udp', streamhosts: Array.from({ length: rng.below(5) }, () => streamhost(rng)) };
  if (rng.chance(0.3)) o.dstAddr = hex(rng, 40);
  return o;
}

/** An offer, sometimes with one streamhost missing its port (which means 1080). */
function offerSeed(rng: Rng): { payload: Element; offer: StreamhostOffer } {
  const o = offer(rng);
  const payload = buildStreamhostOffer(o);
  if (o.streamhosts.length > 0 && rng.chance(0.2)) {
    const i = rng.below(o.streamhosts.length);
    delete payload.getChildren('streamhost')[i]!.attrs.port;
    o.streamhosts[i]!.port = 1080;
  }
  return { payload, offer: o };
}

function checkStreamhosts(hosts: Streamhost[], el: Element | undefined): void {
  assert.ok(Array.isArray(hosts));
  assert.ok(hosts.length <= (el?.getChildren('streamhost').length ?? 0), 'more streamhosts than <streamhost/> children');
  for (const h of hosts) {
    keysWithin(h, ['jid', 'host', 'port']);
    nonEmpty(h.jid, 'jid');
    nonEmpty(h.host, 'host');
    assert.ok(Number.isInteger(h.port) && h.port >= 1 && h.port <= 65535, `port ${h.port}`);
  }
}

/** A plain decimal attribute that the parser read as `n`. */
function decimalAttr(el: Element | undefined, attr: string, n: number, max: number): void {
  const text = el?.attrs[attr];
  assert.ok(typeof text === 'string' && /^[0-9]+$/.test(text) && Number(text) === n, `${attr} '${String(text)}' read as ${n}`);
  assert.ok(Number.isInteger(n) && n >= 0 && n <= max, `${attr} out of range`);
}

function dataSeed(rng: Rng): { payload: Element; expected: { sid: string; seq: number; data: Buffer } } {
  const expected = { sid: sid(rng), seq: rng.pick([0, 1, 65535, rng.below(65536)]), data: randomBytes(rng, Math.min(rng.length() * 3, 65535)) };
  const payload = buildIbbData(expected.sid, expected.seq, expected.data);
  if (rng.chance(0.2)) {
    // Some clients wrap base64 at 76 characters; whitespace is not data.
    const text = expected.data.toString('base64').replace(/.{1,76}/g, (line) => `${line}\r\n`);
    payload.children = [text];
  }
  return { payload, expected };
}

export const bytestreamsTargets: FuzzTarget[] = [
  stanzaTarget({
    name: 'bytestreams.parseStreamhosts',
    vocab: S5B,
    seed(rng) {
      const { payload, offer: o } = offerSeed(rng);
      if (rng.chance(0.3)) delete payload.attrs.sid; // a network-address answer (§4) has no sid
      return { payload, expected: o.streamhosts, type: 'result' };
    },
    decode: (el) => parseStreamhosts(el!),
    verify(hosts, el) {
      checkStreamhosts(hosts, el);
      return hosts.length > 0 ? 'value' : 'none';
    },
  }),
  stanzaTarget({
    name: 'bytestreams.parseStreamhostOffer',
    vocab: S5B,
    seed(rng) {
      const { payload, offer: o } = offerSeed(rng);
      const expected: StreamhostOfferParse = { ok: true, offer: o };
      return { payload, expected };
    },
    decode: (el) => parseStreamhostOffer(el!),
    verify(parsed, el) {
      if (!parsed.ok) {
        keysWithin(parsed, ['ok', 'message']);
        assert.equal(typeof parsed.message, 'string');
        return 'none';
      }
      keysWithin(parsed.offer, ['sid', 'mode', 'streamhosts', 'dstAddr']);
      nonEmpty(parsed.offer.sid, 'sid');
      assert.ok(parsed.offer.mode === 'tcp' || parsed.offer.mode === 'udp');
      assert.deepStrictEqual(parsed.offer.streamhosts, parseStreamhosts(el!));
      if ('dstAddr' in parsed.offer) assert.match(parsed.offer.dstAddr!, /^[0-9a-f]{40}$/);
      return 'value';
    },
  }),
  stanzaTarget({
    name: 'bytestreams.parseStreamhostUsed',
    vocab: S5B,
    select: 'payload-or-undefined',
    seed(rng) {
      const used = jid(rng);
      return { payload: buildStreamhostUsed(sid(rng), used), expected: used, type: 'result' };
    },
    decode: (el) => parseStreamhostUsed(el),
    verify(used) {
      if (used === undefined) return 'none';
      nonEmpty(used, 'streamhost-used jid');
      return 'value';
    },
  }),
  stanzaTarget({
    name: 'bytestreams.parseActivate',
    vocab: S5B,
    seed(rng) {
      const expected = { sid: sid(rng), target: jid(rng, true) };
      return { payload: buildActivate(expected.sid, expected.target), expected };
    },
    decode: (el) => parseActivate(el!),
    verify(activate) {
      if (activate === undefined) return 'none';
      keysWithin(activate, ['sid', 'target']);
      nonEmpty(activate.sid, 'sid');
      nonEmpty(activate.target, 'target');
      assert.equal(activate.target, activate.target.trim(), 'target not trimmed');
      return 'value';
    },
  }),
];

export const ibbTargets: FuzzTarget[] = [
  stanzaTarget({
    name: 'ibb.parseIbbOpen',
    vocab: IBB,
    seed(rng) {
      const expected = { sid: sid(rng), blockSize: rng.pick([1, 4096, 65535, rng.int(1, 65535)]), stanza: rng.chance(0.8) ? 'iq' : 'message' } as const;
      const payload = buildIbbOpen(expected.sid, expected.blockSize);
      payload.attrs.stanza = expected.stanza;
      return { payload, expected };
    },
    decode: (el) => parseIbbOpen(el!),
    verify(open, el) {
      if (open === undefined) return 'none';
      keysWithin(open, ['sid', 'blockSize', 'stanza']);
      nonEmpty(open.sid, 'sid');
      decimalAttr(el, 'block-size', open.blockSize, 65535);
      assert.ok(open.blockSize >= 1, 'block-size 0');
      assert.ok(open.stanza === 'iq' || open.stanza === 'message');
      return 'value';
    },
  }),
  stanzaTarget({
    name: 'ibb.parseIbbData',
    vocab: IBB,
    seed: dataSeed,
    decode: (el) => parseIbbData(el!),
    verify(data, el) {
      if (data === undefined) return 'none';
      keysWithin(data, ['sid', 'seq', 'data']);
      nonEmpty(data.sid, 'sid');
      decimalAttr(el, 'seq', data.seq, 65535);
      const text = el!.getText().replace(/\s+/g, '');
      const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
      assert.ok(text.length % 4 === 0 && data.data.length === (text.length / 4) * 3 - pad, 'data length does not fit the base64 text');
      assert.ok(Buffer.from(text, 'base64').equals(data.data));
      return 'value';
    },
  }),
  stanzaTarget({
    name: 'ibb.parseIbbClose',
    vocab: IBB,
    seed(rng) {
      const expected = sid(rng);
      return { payload: rng.chance(0.9) ? buildIbbClose(expected) : xml('close', { xmlns: NS_IBB, sid: expected }, 'ignored text'), expected };
    },
    decode: (el) => parseIbbClose(el!),
    verify(closed) {
      if (closed === undefined) return 'none';
      nonEmpty(closed, 'sid');
      return 'value';
    },
  }),
];

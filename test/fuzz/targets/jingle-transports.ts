// Fuzz targets for the Jingle transports: S5B (XEP-0260 §2.2-2.4, candidates and notices) and
// IBB (XEP-0261 §2.2), and the dispatch between them.
import assert from 'node:assert/strict';
import type { Element } from '@xmpp/xml';
import { buildIbbTransport, parseIbbTransport, type IbbTransport } from '../../../src/stanzas/jingle-ibb.js';
import { CANDIDATE_TYPES, MAX_PRIORITY, buildS5bTransport, candidatePriority, parseS5bTransport, type S5bCandidate, type S5bTransport } from '../../../src/stanzas/jingle-s5b.js';
import { parseJingleTransport } from '../../../src/stanzas/jingle-transport.js';
import type { FuzzTarget } from '../engine.js';
import type { Rng } from '../prng.js';
import { hex, ipv4, jid, port, sid, word } from '../values.js';
import { JINGLE_VOCAB, checkRefusal } from './jingle-checks.js';
import { keysWithin, nonEmpty, stanzaTarget } from './stanza-target.js';

function candidate(rng: Rng, cid: string): S5bCandidate {
  const type = rng.pick(CANDIDATE_TYPES);
  const priority = rng.chance(0.8) ? candidatePriority(type, rng.below(65536)) : rng.pick([0, 1, MAX_PRIORITY]);
  return { cid, host: rng.pick([ipv4(rng), '2001:db8::1', `proxy.${word(rng)}.test`]), jid: jid(rng, type !== 'proxy'), port: port(rng), priority, type };
}

export function s5bTransport(rng: Rng): S5bTransport {
  const header = { sid: sid(rng), ...(rng.chance(0.5) ? { mode: rng.pick(['tcp', 'udp'] as const) } : {}), ...(rng.chance(0.3) ? { dstAddr: hex(rng, 40) } : {}) };
  switch (rng.below(6)) {
    case 0:
      return { ...header, kind: 'candidate-used', cid: word(rng) };
    case 1:
      return { ...header, kind: 'candidate-error' };
    case 2:
      return { ...header, kind: 'activated', cid: word(rng) };
    case 3:
      return { ...header, kind: 'proxy-error' };
    default:
      return { ...header, kind: 'candidates', candidates: Array.from({ length: rng.below(5) }, (_, i) => candidate(rng, `c${i}${word(rng)}`)) };
  }
}

function checkCandidates(candidates: readonly S5bCandidate[], el: Element): void {
  assert.ok(candidates.length <= el.getChildren('candidate').length, 'more candidates than <candidate/> children');
  assert.equal(new Set(candidates.map((c) => c.cid)).size, candidates.length, 'a cid twice');
  for (const c of candidates) {
    keysWithin(c, ['cid', 'host', 'jid', 'port', 'priority', 'type']);
    for (const key of ['cid', 'host', 'jid'] as const) nonEmpty(c[key], key);
    assert.ok(Number.isInteger(c.port) && c.port >= 1 && c.port <= 65535, `port ${c.port}`);
    assert.ok(Number.isInteger(c.priority) && c.priority >= 0 && c.priority <= MAX_PRIORITY, `priority ${c.priority}`);
    assert.ok(CANDIDATE_TYPES.includes(c.type));
  }
}

function checkS5b(t: S5bTransport, el: Element): 'value' {
  keysWithin(t, ['sid', 'mode', 'dstAddr', 'kind', 'candidates', 'cid']);
  nonEmpty(t.sid, 'sid');
  assert.ok(t.mode === undefined || t.mode === 'tcp' || t.mode === 'udp');
  if (t.dstAddr !== undefined) assert.match(t.dstAddr, /^[0-9a-f]{40}$/);
  if (t.kind === 'candidates') checkCandidates(t.candidates, el);
  else if (t.kind === 'candidate-used' || t.kind === 'activated') nonEmpty(t.cid, 'cid');
  else assert.ok(t.kind === 'candidate-error' || t.kind === 'proxy-error');
  return 'value';
}

function checkIbb(t: IbbTransport, el: Element): 'value' {
  keysWithin(t, ['sid', 'blockSize', 'stanza']);
  nonEmpty(t.sid, 'sid');
  const text = el.attrs['block-size'];
  assert.ok(typeof text === 'string' && /^[0-9]+$/.test(text) && Number(text) === t.blockSize, `block-size '${String(text)}' read as ${t.blockSize}`);
  assert.ok(t.blockSize >= 1 && t.blockSize <= 65535, `block-size ${t.blockSize}`);
  assert.ok(t.stanza === 'iq' || t.stanza === 'message');
  return 'value';
}

function ibbTransport(rng: Rng): IbbTransport {
  return { sid: sid(rng), blockSize: rng.pick([1, 2048, 4096, 65535, rng.int(1, 65535)]), stanza: rng.chance(0.8) ? 'iq' : 'message' };
}

export const jingleTransportTargets: FuzzTarget[] = [
  stanzaTarget({
    name: 'jingle-s5b.parseS5bTransport',
    vocab: JINGLE_VOCAB,
    seed(rng) {
      const t = s5bTransport(rng);
      return { payload: buildS5bTransport(t), expected: { ok: true, value: t } as const };
    },
    decode: (el) => parseS5bTransport(el!),
    verify: (parsed, el) => (parsed.ok ? checkS5b(parsed.value, el!) : checkRefusal(parsed, ['unsupported-transport', 'bad-request'])),
  }),
  stanzaTarget({
    name: 'jingle-ibb.parseIbbTransport',
    vocab: JINGLE_VOCAB,
    seed(rng) {
      const t = ibbTransport(rng);
      return { payload: buildIbbTransport(t), expected: { ok: true, value: t } as const };
    },
    decode: (el) => parseIbbTransport(el!),
    verify: (parsed, el) => (parsed.ok ? checkIbb(parsed.value, el!) : checkRefusal(parsed, ['unsupported-transport', 'bad-request'])),
  }),
  stanzaTarget({
    name: 'jingle-transport.parseJingleTransport',
    vocab: JINGLE_VOCAB,
    seed: (rng) => ({ payload: rng.chance(0.5) ? buildS5bTransport(s5bTransport(rng)) : buildIbbTransport(ibbTransport(rng)) }),
    decode: (el) => parseJingleTransport(el!),
    verify(parsed, el) {
      if (!parsed.ok) return checkRefusal(parsed, ['unsupported-transport', 'bad-request']);
      return parsed.value.method === 's5b' ? checkS5b(parsed.value.transport, el!) : checkIbb(parsed.value.transport, el!);
    },
  }),
];

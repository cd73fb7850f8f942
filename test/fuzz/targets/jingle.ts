// Fuzz targets for the Jingle envelope (XEP-0166 §7), the file-transfer description and
// session-info payloads (XEP-0234 §5, §8) and hash lists (XEP-0300 §3).
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { buildHash, parseHashList, type HashList } from '../../../src/stanzas/hashes.js';
import { buildChecksum, buildFileTransferDescription, buildReceived, parseFileTransferDescription, parseFileTransferInfo, type FileTransferInfo } from '../../../src/stanzas/jingle-ft.js';
import { buildIbbTransport } from '../../../src/stanzas/jingle-ibb.js';
import { buildS5bTransport } from '../../../src/stanzas/jingle-s5b.js';
import { CREATORS, JINGLE_ACTIONS, REASON_CONDITIONS, SENDERS, buildJingle, parseJingle, type Jingle } from '../../../src/stanzas/jingle.js';
import { NS_HASHES, NS_JINGLE_FT } from '../../../src/stanzas/ns.js';
import type { Parsed } from '../../../src/stanzas/wire-values.js';
import type { FuzzTarget } from '../engine.js';
import type { Rng } from '../prng.js';
import { jid, sid, word } from '../values.js';
import { JINGLE_VOCAB, checkFile, checkHashes, checkRefusal, file, hashes } from './jingle-checks.js';
import { s5bTransport } from './jingle-transports.js';
import { keysWithin, nonEmpty, stanzaTarget } from './stanza-target.js';

/** The parse result with its Elements as text: parsed and built Elements differ in their parents. */
type Projected = ReturnType<typeof project>;
function project(parsed: Parsed<Jingle>) {
  if (!parsed.ok) return parsed;
  const { contents, payloads, ...rest } = parsed.value;
  const text = (el: Element | undefined) => el?.toString();
  const value = { ...rest, contents: contents.map((c) => ({ ...c, description: text(c.description), transport: text(c.transport) })), payloads: payloads.map(text) };
  return { ok: true as const, value };
}

function jingle(rng: Rng): Jingle {
  const j: Jingle = { action: rng.pick(JINGLE_ACTIONS), sid: sid(rng), contents: [], payloads: [] };
  if (rng.chance(0.5)) j.initiator = jid(rng, true);
  if (rng.chance(0.3)) j.responder = jid(rng, true);
  for (let n = rng.below(3); n > 0; n--) {
    const transport = rng.chance(0.7) ? buildS5bTransport(s5bTransport(rng)) : buildIbbTransport({ sid: sid(rng), blockSize: 4096, stanza: 'iq' });
    j.contents.push({
      creator: rng.pick(CREATORS),
      name: word(rng),
      ...(rng.chance(0.8) ? { senders: rng.pick(SENDERS) } : {}),
      ...(rng.chance(0.8) ? { description: buildFileTransferDescription(file(rng)) } : {}),
      ...(rng.chance(0.8) ? { transport } : {}),
    });
  }
  if (rng.chance(0.3)) j.reason = { condition: rng.pick(REASON_CONDITIONS), ...(rng.chance(0.3) ? { text: word(rng, 1, 30) } : {}) };
  if (rng.chance(0.2)) j.payloads.push(buildReceived({ creator: 'initiator', name: word(rng) }));
  return j;
}

function checkJingle(parsed: Projected): 'value' | 'none' {
  if (!parsed.ok) return checkRefusal(parsed, ['bad-request']);
  const j = parsed.value;
  keysWithin(j, ['action', 'sid', 'initiator', 'responder', 'contents', 'reason', 'payloads']);
  assert.ok((JINGLE_ACTIONS as readonly string[]).includes(j.action));
  nonEmpty(j.sid, 'sid');
  if ('initiator' in j) nonEmpty(j.initiator, 'initiator');
  if ('responder' in j) nonEmpty(j.responder, 'responder');
  for (const c of j.contents) {
    assert.ok(CREATORS.includes(c.creator) && (c.senders === undefined || SENDERS.includes(c.senders)));
    nonEmpty(c.name, 'content name');
  }
  if (j.reason) assert.ok(REASON_CONDITIONS.includes(j.reason.condition));
  return 'value';
}

/** A file's hash elements, some rewritten in hex or Libervia's base64 of hex (the parser names the form). */
function hashListSeed(rng: Rng): { payload: Element; expected: Parsed<HashList> } {
  const list = hashes(rng, 4);
  const els = list.map((h) => {
    const form = rng.pick(['base64', 'base64', 'hex', 'base64-hex'] as const);
    const hex = Buffer.from(h.value, 'base64').toString('hex');
    if (form === 'base64') return buildHash(h);
    h.encoding = form;
    return xml('hash', { xmlns: NS_HASHES, algo: h.algo }, form === 'hex' ? hex : Buffer.from(hex).toString('base64'));
  });
  return { payload: xml('file', { xmlns: NS_JINGLE_FT }, ...els), expected: { ok: true, value: { hashes: list, hashUsed: [] } } };
}

function checkInfo(info: Parsed<FileTransferInfo, string>): 'value' | 'none' {
  if (!info.ok) return checkRefusal(info, ['unsupported-info', 'bad-request']);
  const v = info.value;
  keysWithin(v, ['kind', 'creator', 'name', 'hashes', 'range']);
  assert.ok(v.creator === undefined || CREATORS.includes(v.creator));
  if ('name' in v) nonEmpty(v.name, 'name');
  if (v.kind === 'checksum') {
    checkHashes(v.hashes);
    if (v.range) checkHashes(v.range.hashes);
  }
  return 'value';
}

export const jingleTargets: FuzzTarget[] = [
  stanzaTarget({
    name: 'jingle.parseJingle',
    vocab: JINGLE_VOCAB,
    seed(rng) {
      const j = jingle(rng);
      return { payload: buildJingle(j), expected: project({ ok: true, value: j }) };
    },
    decode: (el) => project(parseJingle(el!)),
    verify: checkJingle,
  }),
  stanzaTarget({
    name: 'hashes.parseHashList',
    vocab: JINGLE_VOCAB,
    seed: hashListSeed,
    decode: (el) => parseHashList(el!),
    verify(parsed) {
      if (!parsed.ok) return checkRefusal(parsed, ['bad-request']);
      checkHashes(parsed.value.hashes);
      return 'value';
    },
  }),
  stanzaTarget({
    name: 'jingle-ft.parseFileTransferDescription',
    vocab: JINGLE_VOCAB,
    seed(rng) {
      const f = file(rng);
      return { payload: buildFileTransferDescription(f), expected: { ok: true, value: f } as const };
    },
    decode: (el) => parseFileTransferDescription(el!),
    verify(parsed) {
      if (!parsed.ok) return checkRefusal(parsed, ['unsupported-application', 'old-version', 'bad-request', 'incomplete']);
      checkFile(parsed.value);
      return 'value';
    },
  }),
  stanzaTarget({
    name: 'jingle-ft.parseFileTransferInfo',
    vocab: JINGLE_VOCAB,
    seed(rng) {
      const ref = { creator: rng.pick(CREATORS), name: word(rng) };
      if (rng.chance(0.3)) return { payload: buildReceived(ref), expected: { ok: true, value: { kind: 'received', ...ref } } as const };
      const range = rng.chance(0.3) ? { offset: rng.below(2 ** 20), length: rng.below(2 ** 20), hashes: hashes(rng) } : undefined;
      const checksum = { ...ref, hashes: hashes(rng), ...(range ? { range } : {}) };
      return { payload: buildChecksum(checksum), expected: { ok: true, value: { kind: 'checksum', ...checksum } } as const };
    },
    decode: (el) => parseFileTransferInfo(el!),
    verify: checkInfo,
  }),
];

// Fuzz targets for the disco (XEP-0030 §3-4), SI file-transfer (XEP-0095 §3, XEP-0096 §3.1,
// XEP-0020) and stanza-error (RFC 6120 §8.3) parsers.
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { Xep65Error } from '../../../src/errors.js';
import { buildDiscoInfo, parseDiscoInfo, parseDiscoItems, type DiscoInfo, type DiscoItem } from '../../../src/stanzas/disco.js';
import { IqError } from '../../../src/stanzas/iq-error.js';
import { NS_BYTESTREAMS, NS_DATA, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_FEATURE_NEG, NS_IBB, NS_SI, NS_SI_FILE, NS_STANZAS } from '../../../src/stanzas/ns.js';
import { buildSiAccept, buildSiOffer, parseSiAccept, parseSiOffer, type SiOffer, type SiParseResult } from '../../../src/stanzas/si.js';
import { buildError, parseError, parseErrorElement, type ErrorType, type StanzaErrorInfo } from '../../../src/stanzas/stanza-error.js';
import type { FuzzTarget } from '../engine.js';
import type { Rng } from '../prng.js';
import { fileName, hex, jid, sid, word } from '../values.js';
import type { Seed, Vocabulary } from '../xml.js';
import { keysWithin, nonEmpty, stanzaTarget } from './stanza-target.js';

const DISCO: Vocabulary = {
  names: ['query', 'identity', 'feature', 'item', 'x'],
  attrs: ['xmlns', 'category', 'type', 'name', 'var', 'jid', 'node', 'xml:lang'],
  namespaces: [NS_DISCO_INFO, NS_DISCO_ITEMS, 'jabber:client', '', NS_DATA],
};
const SI: Vocabulary = {
  names: ['si', 'file', 'desc', 'range', 'feature', 'x', 'field', 'option', 'value'],
  attrs: ['xmlns', 'id', 'profile', 'mime-type', 'name', 'size', 'hash', 'date', 'var', 'type', 'offset', 'length'],
  namespaces: [NS_SI, NS_SI_FILE, NS_FEATURE_NEG, NS_DATA, 'jabber:client', '', NS_BYTESTREAMS, NS_IBB],
};
const ERRORS: Vocabulary = {
  names: ['error', 'bad-request', 'item-not-found', 'forbidden', 'not-acceptable', 'text', 'no-valid-streams', 'bad-profile', 'query'],
  attrs: ['xmlns', 'type', 'code', 'by', 'xml:lang', 'from', 'id'],
  namespaces: [NS_STANZAS, NS_SI, 'jabber:client', '', 'urn:ietf:params:xml:ns:xmpp-streams', `${NS_STANZAS} `],
};

function discoInfo(rng: Rng): DiscoInfo {
  return {
    identities: Array.from({ length: rng.below(3) }, () => ({ category: word(rng), type: word(rng), ...(rng.chance(0.5) ? { name: word(rng, 1, 30) } : {}) })),
    features: Array.from({ length: rng.below(6) }, () => rng.pick([NS_BYTESTREAMS, NS_SI, NS_SI_FILE, NS_IBB, `urn:x:${word(rng)}`])),
  };
}

function discoItems(rng: Rng): DiscoItem[] {
  return Array.from({ length: rng.below(5) }, () => ({
    jid: jid(rng),
    ...(rng.chance(0.3) ? { node: word(rng) } : {}),
    ...(rng.chance(0.5) ? { name: word(rng, 1, 30) } : {}),
  }));
}

function siOffer(rng: Rng): SiOffer {
  const methods = [NS_BYTESTREAMS, NS_IBB, `urn:x:${word(rng)}`].filter(() => rng.chance(0.7));
  const offer: SiOffer = {
    sid: sid(rng),
    profile: NS_SI_FILE,
    file: { name: fileName(rng), size: rng.pick([0, 1, 4096, Number.MAX_SAFE_INTEGER, rng.below(2 ** 40)]) },
    streamMethods: rng.chance(0.5) ? methods.reverse() : methods,
  };
  if (rng.chance(0.5)) offer.file.mimeType = rng.pick(['text/plain', 'application/octet-stream', `x/${word(rng)}`]);
  if (rng.chance(0.5)) offer.file.hash = hex(rng, 32);
  if (rng.chance(0.5)) offer.file.date = new Date(rng.below(2 ** 31) * 1000).toISOString();
  if (rng.chance(0.3)) offer.file.desc = word(rng, 1, 60);
  return offer;
}

function errorSeed(rng: Rng): Seed<StanzaErrorInfo> {
  const type = rng.pick<ErrorType>(['auth', 'cancel', 'continue', 'modify', 'wait']);
  const condition = rng.pick(['bad-request', 'forbidden', 'item-not-found', 'not-acceptable', 'service-unavailable', 'feature-not-implemented']);
  const text = rng.chance(0.5) ? word(rng, 1, 40) : undefined;
  const app = rng.chance(0.3) ? xml(rng.pick(['no-valid-streams', 'bad-profile']), { xmlns: NS_SI }) : undefined;
  const payload = buildError(type, condition, { ...(text ? { text } : {}), ...(app ? { app } : {}) });
  return { payload, type: 'error', expected: { type, condition, text, appCondition: app ? { name: app.name, ns: NS_SI } : undefined } };
}

function checkErrorInfo(info: StanzaErrorInfo, error: Element | undefined): 'value' {
  keysWithin(info, ['type', 'condition', 'text', 'appCondition']);
  assert.equal(typeof info.type, 'string');
  // The condition is 'undefined-condition' or the name of a child in the stanzas namespace; that name
  // may be '' (ltx takes '< xmlns=...>'; a server's parser would not), so no more is promised.
  const named = error?.getChildElements().some((c) => c.name === info.condition && c.getNS() === NS_STANZAS);
  assert.ok(info.condition === 'undefined-condition' || named, `condition '${info.condition}' is no child of the error`);
  assert.ok(info.text === undefined || typeof info.text === 'string');
  if (info.appCondition !== undefined) {
    assert.equal(typeof info.appCondition.name, 'string');
    assert.equal(typeof info.appCondition.ns, 'string');
  }
  return 'value';
}

export const discoTargets: FuzzTarget[] = [
  stanzaTarget({
    name: 'disco.parseDiscoInfo',
    vocab: DISCO,
    seed(rng) {
      const info = discoInfo(rng);
      return { payload: buildDiscoInfo(info, rng.chance(0.2) ? word(rng) : undefined), expected: info, type: 'result' };
    },
    decode: (el) => parseDiscoInfo(el!),
    verify(info, el) {
      keysWithin(info, ['identities', 'features', 'forms']);
      assert.ok(info.identities.length <= el!.getChildren('identity').length);
      for (const i of info.identities) {
        keysWithin(i, ['category', 'type', 'name', 'lang']);
        assert.ok(typeof i.category === 'string' && typeof i.type === 'string');
        if ('name' in i) nonEmpty(i.name, 'identity name');
        if ('lang' in i) nonEmpty(i.lang, 'identity xml:lang');
      }
      for (const f of info.forms ?? []) {
        keysWithin(f, ['formType', 'fields']);
        nonEmpty(f.formType, 'form FORM_TYPE');
        for (const field of f.fields) {
          nonEmpty(field.var, 'form field var');
          assert.ok(field.values.every((v) => typeof v === 'string'));
        }
      }
      info.features.forEach((f) => nonEmpty(f, 'feature'));
      return info.identities.length + info.features.length > 0 ? 'value' : 'none';
    },
  }),
  stanzaTarget({
    name: 'disco.parseDiscoItems',
    vocab: DISCO,
    seed(rng) {
      const items = discoItems(rng);
      return { payload: xml('query', { xmlns: NS_DISCO_ITEMS }, ...items.map((i) => xml('item', { ...i }))), expected: items, type: 'result' };
    },
    decode: (el) => parseDiscoItems(el!),
    verify(items) {
      for (const item of items) {
        keysWithin(item, ['jid', 'node', 'name']);
        nonEmpty(item.jid, 'jid');
        if ('node' in item) nonEmpty(item.node, 'node');
        if ('name' in item) nonEmpty(item.name, 'name');
      }
      return items.length > 0 ? 'value' : 'none';
    },
  }),
];

export const siTargets: FuzzTarget[] = [
  stanzaTarget({
    name: 'si.parseSiOffer',
    vocab: SI,
    seed(rng) {
      const offer = siOffer(rng);
      const expected: SiParseResult = { ok: true, offer };
      return { payload: buildSiOffer(offer), expected };
    },
    decode: (el) => parseSiOffer(el!),
    verify(parsed) {
      if (!parsed.ok) {
        assert.ok(parsed.reason === 'bad-request' || parsed.reason === 'bad-profile');
        assert.equal(typeof parsed.message, 'string');
        return 'none';
      }
      const { offer } = parsed;
      nonEmpty(offer.sid, 'sid');
      assert.equal(offer.profile, NS_SI_FILE);
      keysWithin(offer.file, ['name', 'size', 'mimeType', 'hash', 'date', 'desc', 'ranged']);
      nonEmpty(offer.file.name, 'file name');
      assert.ok(Number.isSafeInteger(offer.file.size) && offer.file.size >= 0, `size ${offer.file.size}`);
      if ('hash' in offer.file) assert.match(offer.file.hash!, /^[0-9a-f]{32}$/);
      if ('mimeType' in offer.file) nonEmpty(offer.file.mimeType, 'mime-type');
      if ('desc' in offer.file) nonEmpty(offer.file.desc, 'desc');
      if ('date' in offer.file) assert.equal(typeof offer.file.date, 'string');
      for (const m of offer.streamMethods) assert.ok(m !== '' && m === m.trim(), `stream method ${JSON.stringify(m)}`);
      return 'value';
    },
  }),
  stanzaTarget({
    name: 'si.parseSiAccept',
    vocab: SI,
    select: 'payload-or-undefined',
    seed(rng) {
      const method = rng.pick([NS_BYTESTREAMS, NS_IBB, `urn:x:${word(rng)}`]);
      return { payload: buildSiAccept(method), expected: method, type: 'result' };
    },
    decode: (el) => parseSiAccept(el),
    verify(method) {
      if (method === undefined) return 'none';
      assert.ok(typeof method === 'string' && method !== '' && method === method.trim(), `method ${JSON.stringify(method)}`);
      return 'value';
    },
  }),
];

export const errorTargets: FuzzTarget[] = [
  stanzaTarget({
    name: 'stanza-error.parseError',
    vocab: ERRORS,
    select: 'stanza',
    seed: errorSeed,
    decode: (iq) => parseError(iq!),
    verify: (info, iq) => checkErrorInfo(info, iq!.getChild('error')),
  }),
  stanzaTarget({
    name: 'stanza-error.parseErrorElement',
    vocab: ERRORS,
    select: 'payload-or-undefined',
    seed: errorSeed,
    decode: (el) => parseErrorElement(el),
    verify: checkErrorInfo,
  }),
  stanzaTarget({
    name: 'iq-error.IqError.fromStanza',
    vocab: ERRORS,
    select: 'stanza',
    seed: (rng) => ({ ...errorSeed(rng), expected: undefined }),
    decode: (iq) => IqError.fromStanza(iq!),
    verify(err, iq) {
      assert.ok(err instanceof IqError && err instanceof Xep65Error && err.code === 'protocol');
      assert.equal(err.from, String((iq as Element).attrs.from ?? ''));
      assert.deepStrictEqual(err.info, parseError(iq!));
      assert.equal(err.condition, err.info.condition);
      return 'value';
    },
  }),
];

// XEP-0095 §3 / XEP-0096 §3 / XEP-0020: the SI offer and answer, built and parsed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { buildSiAccept, buildSiOffer, parseSiAccept, parseSiAcceptRange, parseSiOffer } from '../../src/stanzas/si.js';
import { NS_BYTESTREAMS, NS_IBB, NS_SI_FILE } from '../../src/stanzas/ns.js';

const xml = (s: string) => parse(s) as unknown as Element;

test('the offer carries name, size, mime-type, hash, date and the stream methods (XEP-0096 example 1)', () => {
  const el = buildSiOffer({
    sid: 'a0',
    profile: NS_SI_FILE,
    file: { name: 'test.txt', size: 1022, mimeType: 'text/plain', hash: '552da749930852c69ae5d2141d3766b1', date: '1969-07-21T02:56:15Z', desc: 'hi' },
    streamMethods: [NS_BYTESTREAMS, NS_IBB],
  });
  assert.equal(
    el.toString(),
    "<si xmlns=\"http://jabber.org/protocol/si\" id=\"a0\" profile=\"http://jabber.org/protocol/si/profile/file-transfer\" mime-type=\"text/plain\">" +
      "<file xmlns=\"http://jabber.org/protocol/si/profile/file-transfer\" name=\"test.txt\" size=\"1022\" hash=\"552da749930852c69ae5d2141d3766b1\" date=\"1969-07-21T02:56:15Z\"><desc>hi</desc></file>" +
      "<feature xmlns=\"http://jabber.org/protocol/feature-neg\"><x xmlns=\"jabber:x:data\" type=\"form\"><field var=\"stream-method\" type=\"list-single\">" +
      '<option><value>http://jabber.org/protocol/bytestreams</value></option><option><value>http://jabber.org/protocol/ibb</value></option></field></x></feature></si>',
  );
  const parsed = parseSiOffer(el);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.offer.file, { name: 'test.txt', size: 1022, mimeType: 'text/plain', hash: '552da749930852c69ae5d2141d3766b1', date: '1969-07-21T02:56:15Z', desc: 'hi' });
  assert.deepEqual(parsed.offer.streamMethods, [NS_BYTESTREAMS, NS_IBB]);
});

test('an offer from the spec text parses, empty <value/> options dropped', () => {
  const parsed = parseSiOffer(
    xml(`<si xmlns='http://jabber.org/protocol/si' id='a0' profile='${NS_SI_FILE}'>
      <file xmlns='${NS_SI_FILE}' name='test.txt' size='1022'/>
      <feature xmlns='http://jabber.org/protocol/feature-neg'><x xmlns='jabber:x:data' type='form'>
        <field var='stream-method' type='list-single'><option><value>${NS_IBB}</value></option><option><value/></option>
        <option><value>${NS_BYTESTREAMS}</value></option></field></x></feature></si>`),
  );
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.offer.streamMethods, [NS_IBB, NS_BYTESTREAMS]);
  assert.equal(parsed.offer.file.mimeType, undefined);
});

test('unusable offers say why: wrong profile, no size, negative size, no id', () => {
  const file = `<file xmlns='${NS_SI_FILE}' name='a' size='1'/>`;
  assert.deepEqual(parseSiOffer(xml(`<si xmlns='http://jabber.org/protocol/si' id='x' profile='urn:other'>${file}</si>`)), {
    ok: false,
    reason: 'bad-profile',
    message: "unsupported SI profile 'urn:other'",
  });
  const noSize = parseSiOffer(xml(`<si xmlns='http://jabber.org/protocol/si' id='x' profile='${NS_SI_FILE}'><file xmlns='${NS_SI_FILE}' name='a'/></si>`));
  assert.equal(noSize.ok, false);
  const negative = parseSiOffer(xml(`<si xmlns='http://jabber.org/protocol/si' id='x' profile='${NS_SI_FILE}'><file xmlns='${NS_SI_FILE}' name='a' size='-1'/></si>`));
  assert.equal(negative.ok, false);
  const noId = parseSiOffer(xml(`<si xmlns='http://jabber.org/protocol/si' profile='${NS_SI_FILE}'>${file}</si>`));
  assert.equal(noId.ok, false);
});

test('the answer names one method in a submit form (XEP-0095 example 2)', () => {
  const el = buildSiAccept(NS_BYTESTREAMS);
  assert.equal(
    el.toString(),
    '<si xmlns="http://jabber.org/protocol/si"><feature xmlns="http://jabber.org/protocol/feature-neg"><x xmlns="jabber:x:data" type="submit">' +
      '<field var="stream-method"><value>http://jabber.org/protocol/bytestreams</value></field></x></feature></si>',
  );
  assert.equal(parseSiAccept(el), NS_BYTESTREAMS);
  assert.equal(parseSiAccept(undefined), undefined);
});

test('ranged transfers (XEP-0096 §3.3): <range/> in the offer, <range offset length/> in the answer, read back', () => {
  const offer = buildSiOffer({ sid: 'r1', profile: NS_SI_FILE, file: { name: 'big.iso', size: 6_000_000_000, ranged: true }, streamMethods: [NS_BYTESTREAMS] });
  assert.match(offer.toString(), /<file [^>]*size="6000000000"><range\/><\/file>/);
  const parsed = parseSiOffer(offer);
  assert.ok(parsed.ok);
  assert.equal(parsed.offer.file.ranged, true);
  const answer = buildSiAccept(NS_BYTESTREAMS, { offset: 4_294_967_808 });
  assert.equal(parseSiAccept(answer), NS_BYTESTREAMS);
  assert.deepEqual(parseSiAcceptRange(answer), { offset: 4_294_967_808 }, 'past 2^32, exactly');
  assert.deepEqual(parseSiAcceptRange(buildSiAccept(NS_IBB, { offset: 10, length: 20 })), { offset: 10, length: 20 });
  assert.equal(parseSiAcceptRange(buildSiAccept(NS_IBB)), undefined);
  const bad = xml(`<si xmlns='http://jabber.org/protocol/si'><file xmlns='${NS_SI_FILE}'><range offset='1e3'/></file></si>`);
  assert.equal(parseSiAcceptRange(bad), undefined, 'not plain decimals: no range (the whole file)');
});

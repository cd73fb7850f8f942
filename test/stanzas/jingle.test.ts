// XEP-0166: the <jingle/> envelope (§7.1), actions (§7.2), contents (§7.3), reasons (§7.4) and the
// Jingle error conditions (§10) with the stanza errors they ride on (§6.7, §6.8, §7.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'ltx';
import xmlBuild, { type Element } from '@xmpp/xml';
import {
  JINGLE_ACTIONS,
  REASON_CONDITIONS,
  buildJingle,
  buildJingleError,
  buildReason,
  parseJingle,
  parseJingleError,
  parseReason,
  type Jingle,
} from '../../src/stanzas/jingle.js';
import { parseError } from '../../src/stanzas/stanza-error.js';

const xml = (s: string) => parse(s) as unknown as Element;
const NS = 'urn:xmpp:jingle:1';
const jingle = (attrs: string, inner = '') => xml(`<jingle xmlns='${NS}' ${attrs}>${inner}</jingle>`);
const refusal = (el: Element) => {
  const r = parseJingle(el);
  assert.equal(r.ok, false);
  return r.ok ? '' : `${r.reason}: ${r.message}`;
};

// XEP-0166 §6.2 example 1, the RTP payload shortened.
const SPEC_INITIATE = `<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' initiator='romeo@montague.lit/orchard' sid='a73sjjvkla37jfea'>
    <content creator='initiator' name='voice'>
      <description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'><payload-type id='96' name='speex' clockrate='16000'/></description>
      <transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' pwd='asd88fgpdd777uzjYhagZg' ufrag='8hhy'/>
    </content>
  </jingle>`;

test('session-initiate from the spec (§6.2): contents keep description and transport as elements', () => {
  const parsed = parseJingle(xml(SPEC_INITIATE));
  assert.ok(parsed.ok);
  const { contents, ...rest } = parsed.value;
  assert.deepEqual(rest, { action: 'session-initiate', sid: 'a73sjjvkla37jfea', initiator: 'romeo@montague.lit/orchard', payloads: [] });
  assert.equal(contents.length, 1);
  assert.equal(contents[0]!.creator, 'initiator');
  assert.equal(contents[0]!.name, 'voice');
  assert.equal(contents[0]!.senders, undefined);
  assert.equal(contents[0]!.description?.getNS(), 'urn:xmpp:jingle:apps:rtp:1');
  assert.equal(contents[0]!.transport?.attrs.ufrag, '8hhy');
});

test('builds the envelope: attributes, contents, reason, then other payloads', () => {
  const j: Jingle = {
    action: 'session-accept',
    sid: 'a73sjjvkla37jfea',
    responder: 'juliet@capulet.lit/balcony',
    contents: [{ creator: 'initiator', name: 'ex', senders: 'initiator', description: xmlBuild('description', { xmlns: 'urn:xmpp:example' }), transport: xmlBuild('transport', { xmlns: 'urn:x:t' }) }],
    payloads: [],
  };
  assert.equal(
    buildJingle(j).toString(),
    `<jingle xmlns="${NS}" action="session-accept" responder="juliet@capulet.lit/balcony" sid="a73sjjvkla37jfea">` +
      '<content creator="initiator" name="ex" senders="initiator"><description xmlns="urn:xmpp:example"/><transport xmlns="urn:x:t"/></content></jingle>',
  );
  const ping = buildJingle({ action: 'session-info', sid: 's', contents: [], payloads: [xmlBuild('ringing', { xmlns: 'urn:xmpp:jingle:apps:rtp:1:info' })] });
  assert.equal(ping.toString(), `<jingle xmlns="${NS}" action="session-info" sid="s"><ringing xmlns="urn:xmpp:jingle:apps:rtp:1:info"/></jingle>`);
  const parsed = parseJingle(parse(ping.toString()) as unknown as Element);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.payloads[0]?.getName(), 'ringing');
});

test('session-terminate with each §7.4 condition round-trips; alternative-session carries its <sid/> (§6.7)', () => {
  for (const condition of REASON_CONDITIONS) {
    const el = buildJingle({ action: 'session-terminate', sid: 's', contents: [], reason: { condition }, payloads: [] });
    const parsed = parseJingle(parse(el.toString()) as unknown as Element);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value.reason, { condition }, condition);
  }
  const alt = parseJingle(jingle(`action='session-terminate' sid='a73sjjvkla37jfea'`, '<reason>\n<alternative-session>\n<sid>b84tkkwlmb48kgfb</sid>\n</alternative-session>\n</reason>'));
  assert.ok(alt.ok);
  assert.deepEqual(alt.value.reason, { condition: 'alternative-session', sid: 'b84tkkwlmb48kgfb' });
  assert.equal(buildReason({ condition: 'alternative-session', sid: 'b84' }).toString(), '<reason><alternative-session><sid>b84</sid></alternative-session></reason>');
});

test('a reason with text and an application condition (XEP-0234 §9); one without a defined condition is no reason', () => {
  const reason = { condition: 'media-error' as const, text: 'over quota', appCondition: { name: 'file-too-large', ns: 'urn:xmpp:jingle:apps:file-transfer:errors:0' } };
  const el = buildReason(reason);
  assert.equal(el.toString(), '<reason><media-error/><text>over quota</text><file-too-large xmlns="urn:xmpp:jingle:apps:file-transfer:errors:0"/></reason>');
  assert.deepEqual(parseReason(parse(`<jingle xmlns='${NS}'>${el.toString()}</jingle>`).getChildElements()[0] as unknown as Element), reason);
  for (const inner of ['', '<text>why</text>', '<sad/>', `<success xmlns='urn:other'/>`]) {
    const parsed = parseJingle(jingle(`action='session-terminate' sid='s'`, `<reason>${inner}</reason>`));
    assert.ok(parsed.ok, inner);
    assert.equal(parsed.value.reason, undefined, inner);
  }
});

test('every §7.2 action is accepted; an unknown or missing action, or a missing sid, is bad-request', () => {
  for (const action of JINGLE_ACTIONS) assert.ok(parseJingle(jingle(`action='${action}' sid='s'`)).ok, action);
  assert.equal(refusal(jingle(`action='session-start' sid='s'`)), `bad-request: unknown Jingle action "session-start"`);
  assert.equal(refusal(jingle(`action='toString' sid='s'`)), `bad-request: unknown Jingle action "toString"`);
  assert.equal(refusal(jingle(`sid='s'`)), `bad-request: unknown Jingle action ""`);
  assert.equal(refusal(jingle(`action='session-info'`)), 'bad-request: Jingle element has no sid');
  assert.equal(refusal(jingle(`action='session-info' sid=''`)), 'bad-request: Jingle element has no sid');
  assert.match(refusal(xml(`<jingle xmlns='urn:xmpp:jingle:0' action='session-info' sid='s'/>`)), /not a Jingle element/);
});

test('contents (§7.3): creator defaults to initiator; bad creator or senders, no name, or two transports are bad-request', () => {
  const one = (content: string) => parseJingle(jingle(`action='session-initiate' sid='s'`, content));
  const parsed = one(`<content name='a' senders='responder' disposition='early-session'/>`);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.value.contents, [{ creator: 'initiator', name: 'a', senders: 'responder', disposition: 'early-session' }]);
  for (const content of [
    `<content creator='both' name='a'/>`,
    `<content creator='' name='a'/>`,
    `<content creator='initiator'/>`,
    `<content creator='initiator' name=''/>`,
    `<content creator='initiator' name='a' senders='all'/>`,
    `<content creator='initiator' name='a' senders=''/>`,
    `<content creator='initiator' name='a'><transport xmlns='urn:a'/><transport xmlns='urn:b'/></content>`,
    `<content creator='initiator' name='a'><description xmlns='urn:a'/><description xmlns='urn:b'/></content>`,
  ]) {
    assert.equal(one(content).ok, false, content);
  }
});

test('Jingle errors (§10) ride on the stanza errors of the spec examples', () => {
  const NS_E = 'urn:xmpp:jingle:errors:1';
  const NS_S = 'urn:ietf:params:xml:ns:xmpp-stanzas';
  assert.equal(buildJingleError('unknown-session').toString(), `<error type="cancel"><item-not-found xmlns="${NS_S}"/><unknown-session xmlns="${NS_E}"/></error>`);
  assert.equal(buildJingleError('tie-break').toString(), `<error type="cancel"><conflict xmlns="${NS_S}"/><tie-break xmlns="${NS_E}"/></error>`);
  assert.equal(buildJingleError('unsupported-info').toString(), `<error type="modify"><feature-not-implemented xmlns="${NS_S}"/><unsupported-info xmlns="${NS_E}"/></error>`);
  assert.equal(
    buildJingleError('out-of-order', 'no session-accept yet').toString(),
    `<error type="wait"><unexpected-request xmlns="${NS_S}"/><text xmlns="${NS_S}">no session-accept yet</text><out-of-order xmlns="${NS_E}"/></error>`,
  );
  // §7.2 example "Initiator returns conflict error on tie-break".
  const iq = xml(`<iq from='romeo@montague.lit/orchard' id='hb2f164w' to='juliet@capulet.lit/balcony' type='error'>
    <error type='cancel'><conflict xmlns='${NS_S}'/><tie-break xmlns='${NS_E}'/></error></iq>`);
  assert.equal(parseJingleError(parseError(iq)), 'tie-break');
  assert.equal(parseJingleError(parseError(xml(`<iq type='error'><error type='cancel'><item-not-found xmlns='${NS_S}'/></error></iq>`))), undefined);
  assert.equal(parseJingleError(parseError(xml(`<iq type='error'><error type='cancel'><bad-request xmlns='${NS_S}'/><toString xmlns='${NS_E}'/></error></iq>`))), undefined);
});

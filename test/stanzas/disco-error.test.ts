// XEP-0030 disco#info/#items parsing and RFC 6120 §8.3 stanza errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { buildDiscoInfo, parseDiscoInfo, parseDiscoItems } from '../../src/stanzas/disco.js';
import { buildError, parseError } from '../../src/stanzas/stanza-error.js';

const xml = (s: string) => parse(s) as unknown as Element;

test('disco#info identities and features round-trip', () => {
  const info = { identities: [{ category: 'proxy', type: 'bytestreams', name: 'SOCKS5' }], features: ['http://jabber.org/protocol/bytestreams'] };
  assert.deepEqual(parseDiscoInfo(buildDiscoInfo(info)), info);
});

test('disco#items keeps items with a jid', () => {
  const items = parseDiscoItems(xml("<query xmlns='http://jabber.org/protocol/disco#items'><item jid='proxy.example.test'/><item name='x'/><item jid='pubsub.example.test' name='PubSub'/></query>"));
  assert.deepEqual(items, [{ jid: 'proxy.example.test' }, { jid: 'pubsub.example.test', name: 'PubSub' }]);
});

test('errors: condition, text and application condition', () => {
  const error = buildError('cancel', 'forbidden', { text: 'Offer Declined' });
  const iq = xml(`<iq type='error'>${error.toString()}</iq>`);
  assert.deepEqual(parseError(iq), { type: 'cancel', condition: 'forbidden', text: 'Offer Declined', appCondition: undefined });
  const app = parseError(xml("<iq type='error'><error code='400' type='cancel'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><no-valid-streams xmlns='http://jabber.org/protocol/si'/></error></iq>"));
  assert.equal(app.condition, 'bad-request');
  assert.deepEqual(app.appCondition, { name: 'no-valid-streams', ns: 'http://jabber.org/protocol/si' });
  assert.equal(parseError(xml("<iq type='error'/>")).condition, 'undefined-condition');
});

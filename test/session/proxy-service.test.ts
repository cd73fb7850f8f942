// XEP-0065 §4 (disco identity, network address, forbidden) and §6.3.5 (activation and its
// errors), as IQ transcripts against a fake XMPP port and a scripted relay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import xml, { type Element } from '@xmpp/xml';
import { serveProxy } from '../../src/session/proxy-service.js';
import type { ActivationOutcome, ActivationRequest } from '../../src/session/ports.js';
import type { ProxyEvent } from '../../src/session/proxy-events.js';
import { dstAddr } from '../../src/socks5/dst-addr.js';
import { NS_BYTESTREAMS, NS_DISCO_INFO, NS_DISCO_ITEMS, NS_STANZAS } from '../../src/stanzas/ns.js';
import { FakeXmpp } from '../helpers/fake-xmpp.js';

const PROXY = 'proxy.example.org';
const REQUESTER = 'alice@example.org/laptop';
const TARGET = 'bob@example.org/phone';

function setup(outcome: ActivationOutcome = 'activated') {
  const xmpp = new FakeXmpp(`x@${PROXY}`);
  Object.defineProperty(xmpp, 'jid', { value: PROXY });
  const activations: ActivationRequest[] = [];
  const events: ProxyEvent[] = [];
  serveProxy(xmpp, {
    host: '198.51.100.7',
    port: 7777,
    isAllowed: (jid) => jid.endsWith('@example.org') || jid.includes('@example.org/'),
    relay: { activate: (a) => (activations.push(a), outcome) },
    onEvent: (e) => events.push(e),
  });
  return { xmpp, activations, events };
}

function condition(answer: unknown): string | undefined {
  const el = answer as Element;
  return el.name === 'error' ? el.getChildElements().find((c) => c.getNS() === NS_STANZAS && c.name !== 'text')?.name : undefined;
}

const activate = (sid: string, target: string) => xml('query', { xmlns: NS_BYTESTREAMS, sid }, xml('activate', {}, target));

test('disco#info names the proxy/bytestreams identity and the bytestreams feature (§4, Example 6)', async () => {
  const { xmpp } = setup();
  const info = (await xmpp.receive('get', REQUESTER, xml('query', { xmlns: NS_DISCO_INFO }))) as Element;
  const identity = info.getChild('identity')!;
  assert.deepEqual([identity.attrs.category, identity.attrs.type], ['proxy', 'bytestreams']);
  assert.ok(info.getChildren('feature').some((f) => f.attrs.var === NS_BYTESTREAMS));
  const items = (await xmpp.receive('get', REQUESTER, xml('query', { xmlns: NS_DISCO_ITEMS }))) as Element;
  assert.equal(items.getChildren('item').length, 0);
});

test('the network-address query gets our streamhost with jid, host and port (§4, Example 8)', async () => {
  const { xmpp } = setup();
  const answer = (await xmpp.receive('get', REQUESTER, xml('query', { xmlns: NS_BYTESTREAMS }))) as Element;
  assert.deepEqual(answer.getChild('streamhost')!.attrs, { jid: PROXY, host: '198.51.100.7', port: '7777' });
});

test('a requester the policy refuses gets <forbidden/> for both queries (§4, Example 9)', async () => {
  const { xmpp, activations, events } = setup();
  const who = 'mallory@evil.example/x';
  assert.equal(condition(await xmpp.receive('get', who, xml('query', { xmlns: NS_BYTESTREAMS }))), 'forbidden');
  assert.equal(condition(await xmpp.receive('set', who, activate('s1', TARGET))), 'forbidden');
  assert.equal(activations.length, 0);
  assert.deepEqual(
    events.map((e) => e.kind),
    ['forbidden', 'forbidden'],
  );
});

test('activation hashes sid + the stanza\'s from + the target, as the requester and target did (§6.3.5)', async () => {
  const { xmpp, activations } = setup();
  assert.equal(await xmpp.receive('set', REQUESTER, activate('sid-1', TARGET)), true);
  assert.deepEqual(activations, [{ dstAddr: dstAddr('sid-1', REQUESTER, TARGET), sid: 'sid-1', requester: REQUESTER, target: TARGET }]);
});

test('each refusal of the relay maps to its stanza error', async () => {
  const cases: Array<[ActivationOutcome, string]> = [
    ['unknown', 'item-not-found'],
    ['one-party', 'not-allowed'],
    ['already-active', 'conflict'],
    ['limit', 'resource-constraint'],
  ];
  for (const [outcome, expected] of cases) {
    const { xmpp, events } = setup(outcome);
    assert.equal(condition(await xmpp.receive('set', REQUESTER, activate('s', TARGET))), expected, outcome);
    assert.equal(events.at(-1)?.kind, 'activation-refused');
  }
});

test('an activation without a target or with a malformed one is refused before the relay sees it', async () => {
  const { xmpp, activations } = setup();
  assert.equal(condition(await xmpp.receive('set', REQUESTER, xml('query', { xmlns: NS_BYTESTREAMS, sid: 's' }))), 'bad-request');
  assert.equal(condition(await xmpp.receive('set', REQUESTER, activate('s', '@/'))), 'jid-malformed');
  assert.equal(activations.length, 0);
});

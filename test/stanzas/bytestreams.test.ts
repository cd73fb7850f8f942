// XEP-0065 stanzas: streamhost offer (§5.3.1), streamhost-used (§5.3.3), activation (§6.3.5),
// network-address answers (§4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import {
  buildActivate,
  buildStreamhostOffer,
  buildStreamhostUsed,
  parseActivate,
  parseStreamhostOffer,
  parseStreamhostUsed,
  parseStreamhosts,
} from '../../src/stanzas/bytestreams.js';

const xml = (s: string) => parse(s) as unknown as Element;
const NS = 'http://jabber.org/protocol/bytestreams';

test('the streamhost offer always carries jid, host and port', () => {
  const el = buildStreamhostOffer({
    sid: 'vxf9n471bn46',
    mode: 'tcp',
    streamhosts: [
      { jid: 'requester@example.com/foo', host: '192.168.4.1', port: 5086 },
      { jid: 'streamer.example.com', host: '24.24.24.1', port: 7625 },
    ],
  });
  assert.equal(
    el.toString(),
    `<query xmlns="${NS}" sid="vxf9n471bn46" mode="tcp"><streamhost jid="requester@example.com/foo" host="192.168.4.1" port="5086"/>` +
      '<streamhost jid="streamer.example.com" host="24.24.24.1" port="7625"/></query>',
  );
  const parsed = parseStreamhostOffer(el);
  assert.ok(parsed.ok);
  assert.equal(parsed.offer.streamhosts.length, 2);
});

test('a streamhost without port means 1080; JIDs with a resource kept verbatim; bad ports skipped', () => {
  const hosts = parseStreamhosts(
    xml(`<query xmlns='${NS}'><streamhost jid='proxy.eJabberd.net/123' host='10.0.0.1'/><streamhost jid='x' host='::1' port='99999'/>
      <streamhost jid='y' host='h.example' port='7777'/><streamhost host='nojid'/></query>`),
  );
  assert.deepEqual(hosts, [
    { jid: 'proxy.eJabberd.net/123', host: '10.0.0.1', port: 1080 },
    { jid: 'y', host: 'h.example', port: 7777 },
  ]);
});

test('offer parsing: sid required, udp mode recognised, dstaddr honoured', () => {
  assert.equal(parseStreamhostOffer(xml(`<query xmlns='${NS}'/>`)).ok, false);
  const udp = parseStreamhostOffer(xml(`<query xmlns='${NS}' sid='s' mode='udp'/>`));
  assert.ok(udp.ok && udp.offer.mode === 'udp');
  const withDst = parseStreamhostOffer(xml(`<query xmlns='${NS}' sid='s' dstaddr='${'A'.repeat(40)}'/>`));
  assert.ok(withDst.ok && withDst.offer.dstAddr === 'a'.repeat(40));
});

test('streamhost-used and activate round-trip', () => {
  assert.equal(buildStreamhostUsed('s1', 'proxy.example.net').toString(), `<query xmlns="${NS}" sid="s1"><streamhost-used jid="proxy.example.net"/></query>`);
  assert.equal(parseStreamhostUsed(buildStreamhostUsed('s1', 'proxy.example.net')), 'proxy.example.net');
  assert.equal(parseStreamhostUsed(xml(`<query xmlns='${NS}' sid='s1'/>`)), undefined);
  const activate = buildActivate('s1', 'target@example.org/bar');
  assert.equal(activate.toString(), `<query xmlns="${NS}" sid="s1"><activate>target@example.org/bar</activate></query>`);
  assert.deepEqual(parseActivate(activate), { sid: 's1', target: 'target@example.org/bar' });
});

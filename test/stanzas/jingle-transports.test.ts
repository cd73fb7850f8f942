// XEP-0260: the S5B transport and its candidates (§2.2), candidate-used / candidate-error (§2.3),
// activated / proxy-error (§2.4), the §2.2 priority formula; XEP-0261 §2.2 IBB transport; and the
// dispatch between them (XEP-0234 §10.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import { buildIbbTransport, parseIbbTransport } from '../../src/stanzas/jingle-ibb.js';
import { buildS5bTransport, candidatePriority, parseS5bCandidate, parseS5bTransport } from '../../src/stanzas/jingle-s5b.js';
import { parseJingleTransport } from '../../src/stanzas/jingle-transport.js';

const xml = (s: string) => parse(s) as unknown as Element;
const NS = 'urn:xmpp:jingle:transports:s5b:1';
const IBB = 'urn:xmpp:jingle:transports:ibb:1';
const candidate = (attrs: string) => xml(`<candidate xmlns='${NS}' ${attrs}/>`);
const GOOD = `cid='c' host='192.0.2.1' jid='romeo@montague.lit/orchard' priority='8257636'`;

test('priority = 2^16 × type preference + local preference (§2.2; Libervia sends 126·65536 + 10000)', () => {
  assert.equal(candidatePriority('direct', 10000), 8267536);
  assert.equal(candidatePriority('assisted'), 120 * 65536);
  assert.equal(candidatePriority('tunnel', 65535), 110 * 65536 + 65535);
  assert.equal(candidatePriority('proxy'), 655360);
  assert.throws(() => candidatePriority('direct', 65536), /0-65535/);
  assert.throws(() => candidatePriority('direct', -1), /0-65535/);
  assert.throws(() => candidatePriority('direct', 1.5), /0-65535/);
});

test('builds the initiator transport of §2.2 example 1 attribute for attribute', () => {
  const el = buildS5bTransport({
    sid: 'vj3hs98y',
    mode: 'tcp',
    dstAddr: '972b7bf47291ca609517f67f86b5081086052dad',
    kind: 'candidates',
    candidates: [
      { cid: 'hft54dqy', host: '192.168.4.1', jid: 'romeo@montague.lit/orchard', port: 5086, priority: 8257636, type: 'direct' },
      { cid: 'xmdh4b7i', host: '123.456.7.8', jid: 'streamer.shakespeare.lit', port: 7625, priority: 7878787, type: 'proxy' },
    ],
  });
  assert.equal(
    el.toString(),
    `<transport xmlns="${NS}" dstaddr="972b7bf47291ca609517f67f86b5081086052dad" mode="tcp" sid="vj3hs98y">` +
      '<candidate cid="hft54dqy" host="192.168.4.1" jid="romeo@montague.lit/orchard" port="5086" priority="8257636" type="direct"/>' +
      '<candidate cid="xmdh4b7i" host="123.456.7.8" jid="streamer.shakespeare.lit" port="7625" priority="7878787" type="proxy"/></transport>',
  );
  const parsed = parseS5bTransport(el);
  assert.ok(parsed.ok && parsed.value.kind === 'candidates');
  assert.equal(parsed.value.candidates.length, 2);
});

test("the responder's session-accept transport parses (§2.2 example 3): no mode, a dstaddr, four types", () => {
  const parsed = parseS5bTransport(
    xml(`<transport xmlns='${NS}' dstaddr='1A12FB7BC625E55F3ED5B29A53DBE0E4AA7D80BA' sid='vj3hs98y'>
        <candidate cid='ht567dq' host='192.169.1.10' jid='juliet@capulet.lit/balcony' port='6539' priority='8257636' type='direct'/>
        <candidate cid='hr65dqyd' host='134.102.201.180' jid='juliet@capulet.lit/balcony' port='16453' priority='7929856' type='assisted'/>
        <candidate cid='pzv14s74' host='234.567.8.9' jid='proxy.marlowe.lit' port='7676' priority='7788877' type='proxy'/>
        <candidate cid='tun1' host='2001:0:53aa:64c::1' jid='juliet@capulet.lit/balcony' port='6540' priority='7208960' type='tunnel'/>
      </transport>`),
  );
  assert.ok(parsed.ok && parsed.value.kind === 'candidates');
  assert.equal(parsed.value.mode, undefined);
  assert.equal(parsed.value.dstAddr, '1a12fb7bc625e55f3ed5b29a53dbe0e4aa7d80ba');
  assert.deepEqual(parsed.value.candidates.map((c) => [c.cid, c.type, c.port]), [
    ['ht567dq', 'direct', 6539],
    ['hr65dqyd', 'assisted', 16453],
    ['pzv14s74', 'proxy', 7676],
    ['tun1', 'tunnel', 6540],
  ]);
  // §2.2: the responder MAY send no candidates at all in session-accept.
  assert.deepEqual(parseS5bTransport(xml(`<transport xmlns='${NS}' sid='vj3hs98y'/>`)), { ok: true, value: { sid: 'vj3hs98y', kind: 'candidates', candidates: [] } });
});

test('transport-info notices (§2.3, §2.4): built and parsed', () => {
  const cases = [
    [{ sid: 'vj3hs98y', kind: 'candidate-used', cid: 'hr65dqyd' }, `<transport xmlns="${NS}" sid="vj3hs98y"><candidate-used cid="hr65dqyd"/></transport>`],
    [{ sid: 'vj3hs98y', kind: 'candidate-error' }, `<transport xmlns="${NS}" sid="vj3hs98y"><candidate-error/></transport>`],
    [{ sid: 'vj3hs98y', kind: 'activated', cid: 'xmdh4b7i' }, `<transport xmlns="${NS}" sid="vj3hs98y"><activated cid="xmdh4b7i"/></transport>`],
    [{ sid: 'vj3hs98y', kind: 'proxy-error' }, `<transport xmlns="${NS}" sid="vj3hs98y"><proxy-error/></transport>`],
  ] as const;
  for (const [value, text] of cases) {
    assert.equal(buildS5bTransport(value).toString(), text);
    assert.deepEqual(parseS5bTransport(xml(text)), { ok: true, value });
  }
});

test('refused transports: no sid, unknown mode, a notice without cid, mixed or repeated payloads, another namespace', () => {
  const reason = (s: string) => {
    const r = parseS5bTransport(xml(s));
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(reason(`<transport xmlns='${NS}'><candidate-error/></transport>`), 'bad-request');
  assert.equal(reason(`<transport xmlns='${NS}' sid=''><candidate-error/></transport>`), 'bad-request');
  assert.equal(reason(`<transport xmlns='${NS}' sid='s' mode='sctp'/>`), 'bad-request');
  assert.equal(reason(`<transport xmlns='${NS}' sid='s'><candidate-used/></transport>`), 'bad-request');
  assert.equal(reason(`<transport xmlns='${NS}' sid='s'><activated cid=''/></transport>`), 'bad-request');
  assert.equal(reason(`<transport xmlns='${NS}' sid='s'><candidate-error/><candidate-used cid='c'/></transport>`), 'bad-request');
  assert.equal(reason(`<transport xmlns='${NS}' sid='s'><candidate-error/><candidate-error/></transport>`), 'bad-request');
  assert.equal(reason(`<transport xmlns='${NS}' sid='s'><candidate ${GOOD}/><candidate-error/></transport>`), 'bad-request');
  assert.equal(reason(`<transport xmlns='urn:xmpp:jingle:transports:s5b:0' sid='s'/>`), 'unsupported-transport');
  // A malformed dstaddr is dropped, as XEP-0065's parser does: we compute our own.
  assert.deepEqual(parseS5bTransport(xml(`<transport xmlns='${NS}' sid='s' dstaddr='xyz'/>`)), { ok: true, value: { sid: 's', kind: 'candidates', candidates: [] } });
});

test('candidates: port defaults to 1080 and type to direct; missing cid/host/jid or bad numbers are refused', () => {
  assert.deepEqual(parseS5bCandidate(candidate(GOOD)), {
    ok: true,
    value: { cid: 'c', host: '192.0.2.1', jid: 'romeo@montague.lit/orchard', port: 1080, priority: 8257636, type: 'direct' },
  });
  assert.equal(parseS5bCandidate(candidate(`${GOOD} port='0012'`)).ok, true);
  const bad = [
    `host='h' jid='j' priority='1'`,
    `cid='' host='h' jid='j' priority='1'`,
    `cid='c' jid='j' priority='1'`,
    `cid='c' host='h' priority='1'`,
    `cid='c' host='h' jid='j'`,
    ...['1e3', '-1', '', ' 1', '0x10', '1.0', '2147483648', '99999999999999999999'].map((p) => `cid='c' host='h' jid='j' priority='${p}'`),
    ...['0', '65536', '-1', '1e3', '', ' 80', '80.0'].map((p) => `${GOOD} port='${p}'`),
    `${GOOD} type='relay'`,
    `${GOOD} type=''`,
  ];
  for (const attrs of bad) assert.equal(parseS5bCandidate(candidate(attrs)).ok, false, attrs);
  assert.equal(parseS5bCandidate(candidate(`cid='c' host='h' jid='j' priority='2147483647'`)).ok, true);
});

test('bad candidates are skipped, not the transport; a repeated cid keeps the first', () => {
  const parsed = parseS5bTransport(
    xml(`<transport xmlns='${NS}' sid='s'><candidate cid='a' host='h' jid='j' priority='1e3'/><candidate ${GOOD}/>
      <candidate cid='c' host='other' jid='j' priority='5'/><candidate cid='d' host='h' jid='j' port='70000' priority='5'/></transport>`),
  );
  assert.ok(parsed.ok && parsed.value.kind === 'candidates');
  assert.deepEqual(parsed.value.candidates.map((c) => `${c.cid}@${c.host}`), ['c@192.0.2.1']);
});

test('IBB transport (XEP-0261 §2.2): built as in the spec, stanza defaults to iq, block-size 1-65535 plain decimal', () => {
  assert.equal(buildIbbTransport({ sid: 'ch3d9s71', blockSize: 4096, stanza: 'iq' }).toString(), `<transport xmlns="${IBB}" block-size="4096" sid="ch3d9s71"/>`);
  assert.equal(buildIbbTransport({ sid: 's', blockSize: 2048, stanza: 'message' }).toString(), `<transport xmlns="${IBB}" block-size="2048" sid="s" stanza="message"/>`);
  assert.deepEqual(parseIbbTransport(xml(`<transport xmlns='${IBB}' block-size='4096' sid='ch3d9s71'/>`)), { ok: true, value: { sid: 'ch3d9s71', blockSize: 4096, stanza: 'iq' } });
  assert.deepEqual(parseIbbTransport(xml(`<transport xmlns='${IBB}' block-size='65535' sid='s' stanza='message'/>`)), { ok: true, value: { sid: 's', blockSize: 65535, stanza: 'message' } });
  for (const attrs of [`block-size='4096'`, `sid='' block-size='4096'`, ...['0', '65536', '1e3', '-1', '', ' 42', '0x10'].map((b) => `sid='s' block-size='${b}'`), `sid='s' block-size='4096' stanza='presence'`]) {
    assert.equal(parseIbbTransport(xml(`<transport xmlns='${IBB}' ${attrs}/>`)).ok, false, attrs);
  }
  assert.equal((parseIbbTransport(xml(`<transport xmlns='${NS}' sid='s' block-size='1'/>`)) as { reason: string }).reason, 'unsupported-transport');
});

test('parseJingleTransport tells S5B from IBB and refuses other namespaces as unsupported-transport', () => {
  assert.deepEqual(parseJingleTransport(xml(`<transport xmlns='${IBB}' block-size='2048' sid='ch3d9s71'/>`)), {
    ok: true,
    value: { method: 'ibb', transport: { sid: 'ch3d9s71', blockSize: 2048, stanza: 'iq' } },
  });
  assert.deepEqual(parseJingleTransport(xml(`<transport xmlns='${NS}' sid='s'><proxy-error/></transport>`)), {
    ok: true,
    value: { method: 's5b', transport: { sid: 's', kind: 'proxy-error' } },
  });
  assert.equal((parseJingleTransport(xml(`<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1'/>`)) as { reason: string }).reason, 'unsupported-transport');
  assert.equal((parseJingleTransport(xml(`<transport xmlns='${IBB}' sid='s'/>`)) as { reason: string }).reason, 'bad-request');
});

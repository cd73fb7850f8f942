// XEP-0234: the offer's description (§5, §6.1), ranges (§6.4), <received/> (§8.1), <checksum/>
// (§8.2) in the spec's and Libervia's encodings (FIELD-NOTES), the §9 conditions, and the old :3/:4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parse } from 'ltx';
import type { Element } from '@xmpp/xml';
import {
  buildChecksum,
  buildFileTransferDescription,
  buildReceived,
  fileTransferReason,
  parseFileTransferDescription,
  parseFileTransferError,
  parseFileTransferInfo,
} from '../../src/stanzas/jingle-ft.js';
import { buildReason, parseJingle } from '../../src/stanzas/jingle.js';
import { parseS5bTransport } from '../../src/stanzas/jingle-s5b.js';

const xml = (s: string) => parse(s) as unknown as Element;
const FT = 'urn:xmpp:jingle:apps:file-transfer:5';
const H = 'urn:xmpp:hashes:2';
const SHA1 = 'w0mcJylzCn+AfvuGdqkty2+KP48=';
const description = (file: string, ns = FT) => xml(`<description xmlns='${ns}'><file>${file}</file></description>`);
const refusal = (el: Element) => {
  const r = parseFileTransferDescription(el);
  return r.ok ? 'ok' : r.reason;
};

test('builds the description of an offer: name, size, media-type, date, desc, range, hashes, hash-used', () => {
  const el = buildFileTransferDescription({
    name: 'test.txt',
    size: 6144,
    mediaType: 'text/plain',
    date: '1969-07-21T02:56:15Z',
    desc: 'This is a test.',
    range: { offset: 0 },
    hashes: [{ algo: 'sha-1', value: SHA1 }],
    hashUsed: ['sha-256'],
  });
  assert.equal(
    el.toString(),
    `<description xmlns="${FT}"><file><name>test.txt</name><size>6144</size><media-type>text/plain</media-type><date>1969-07-21T02:56:15Z</date>` +
      `<desc>This is a test.</desc><range/><hash xmlns="${H}" algo="sha-1">${SHA1}</hash><hash-used xmlns="${H}" algo="sha-256"/></file></description>`,
  );
  const minimal = buildFileTransferDescription({ name: 'a', size: 0, hashes: [], range: { offset: 10, length: 5 } });
  assert.equal(minimal.toString(), `<description xmlns="${FT}"><file><name>a</name><size>0</size><range offset="10" length="5"/></file></description>`);
});

test('the spec offer parses (§6.1 example 1, pretty-printed)', () => {
  const parsed = parseFileTransferDescription(
    xml(`<description xmlns='${FT}'>
        <file>
          <date>1969-07-21T02:56:15Z</date>
          <desc>This is a test. If this were a real file...</desc>
          <media-type>text/plain</media-type>
          <name>test.txt</name>
          <range/>
          <size>6144</size>
          <hash xmlns='${H}'
                algo='sha-1'>${SHA1}</hash>
        </file>
      </description>`),
  );
  assert.deepEqual(parsed, {
    ok: true,
    value: {
      name: 'test.txt',
      size: 6144,
      mediaType: 'text/plain',
      date: '1969-07-21T02:56:15Z',
      desc: 'This is a test. If this were a real file...',
      range: { offset: 0 },
      hashes: [{ algo: 'sha-1', value: SHA1 }],
    },
  });
});

test('hash-used instead of a hash (§8.2 last example), and an empty <hash algo/> (§5) mean the same', () => {
  for (const h of [`<hash-used xmlns='${H}' algo='sha-1'/>`, `<hash xmlns='${H}' algo='sha-1'/>`]) {
    const parsed = parseFileTransferDescription(description(`<name>test.txt</name><size>6144</size>${h}`));
    assert.deepEqual(parsed, { ok: true, value: { name: 'test.txt', size: 6144, hashes: [], hashUsed: ['sha-1'] } }, h);
  }
});

test('Libervia session-initiate as captured (FIELD-NOTES): one FT :5 content with S5B direct and proxy candidates', () => {
  const initiator = 'louise@localhost/libervia.ABCD';
  const responder = 'xep65@localhost/cli';
  const dstaddr = createHash('sha1').update(`TSID${initiator}${responder}`).digest('hex');
  const parsed = parseJingle(
    xml(`<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' initiator='${initiator}' sid='SESSION1'>
      <content creator='initiator' name='file' senders='initiator'>
        <description xmlns='${FT}'><file><name>photo.jpg</name><size>4096</size><media-type>image/jpeg</media-type><desc/><range/>
          <hash-used xmlns='${H}' algo='sha-256'/></file></description>
        <transport xmlns='urn:xmpp:jingle:transports:s5b:1' sid='TSID' mode='tcp' dstaddr='${dstaddr}'>
          <candidate type='direct' host='127.0.0.1' priority='8267536' jid='${initiator}' cid='c1'/>
          <candidate type='proxy' host='127.0.0.1' port='25000' priority='655360' jid='proxy.localhost' cid='c2'/>
        </transport>
      </content></jingle>`),
  );
  assert.ok(parsed.ok);
  const [content] = parsed.value.contents;
  assert.deepEqual([content?.creator, content?.senders], ['initiator', 'initiator']);
  assert.deepEqual(parseFileTransferDescription(content!.description!), {
    ok: true,
    value: { name: 'photo.jpg', size: 4096, mediaType: 'image/jpeg', range: { offset: 0 }, hashes: [], hashUsed: ['sha-256'] },
  });
  // The capture shows no port on the direct candidate: XEP-0065's schema default applies.
  assert.deepEqual(parseS5bTransport(content!.transport!), {
    ok: true,
    value: {
      sid: 'TSID',
      mode: 'tcp',
      dstAddr: dstaddr,
      kind: 'candidates',
      candidates: [
        { cid: 'c1', host: '127.0.0.1', jid: initiator, port: 1080, priority: 8267536, type: 'direct' },
        { cid: 'c2', host: '127.0.0.1', jid: 'proxy.localhost', port: 25000, priority: 655360, type: 'proxy' },
      ],
    },
  });
});

test('old :3/:4 offers say so; other applications are unsupported; a File Request (§6.2) or sizeless offer is incomplete', () => {
  assert.deepEqual(parseFileTransferDescription(description('<name>a</name><size>1</size>', 'urn:xmpp:jingle:apps:file-transfer:3')), {
    ok: false,
    reason: 'old-version',
    message: 'file transfer 3 is not supported (only :5)',
  });
  assert.equal(refusal(description('<name>a</name><size>1</size>', 'urn:xmpp:jingle:apps:file-transfer:4')), 'old-version');
  assert.equal(refusal(xml(`<description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/>`)), 'unsupported-application');
  assert.equal(refusal(xml(`<transport xmlns='${FT}'/>`)), 'unsupported-application');
  assert.equal(refusal(description(`<hash xmlns='${H}' algo='sha-1'>${SHA1}</hash>`)), 'incomplete');
  assert.equal(refusal(description('<name>a</name>')), 'incomplete');
  assert.equal(refusal(description('<name>a</name><size/>')), 'incomplete');
  assert.equal(refusal(description('<name></name><size>1</size>')), 'incomplete');
});

test('malformed offers are bad-request: sizes and ranges that are not plain decimals, unreadable hashes, not one <file/>', () => {
  for (const size of ['1e3', '-1', '0x10', '1.5', '9007199254740992', '99999999999999999999', '+1', '1 000']) {
    assert.equal(refusal(description(`<name>a</name><size>${size}</size>`)), 'bad-request', size);
  }
  assert.deepEqual(parseFileTransferDescription(description('<name>a</name><size> 0012 </size>')), { ok: true, value: { name: 'a', size: 12, hashes: [] } });
  for (const range of [`offset='-1'`, `offset='1e3'`, `length=''`, `offset='x'`]) {
    assert.equal(refusal(description(`<name>a</name><size>1</size><range ${range}/>`)), 'bad-request', range);
  }
  assert.equal(refusal(description(`<name>a</name><size>1</size><hash xmlns='${H}' algo='sha-256'>not-a-hash</hash>`)), 'bad-request');
  assert.equal(refusal(xml(`<description xmlns='${FT}'/>`)), 'bad-request');
  assert.equal(refusal(xml(`<description xmlns='${FT}'><file><name>a</name><size>1</size></file><file><name>b</name><size>2</size></file></description>`)), 'bad-request');
});

test('checksum: built with creator and name (§8.2), parsed from the spec, from Libervia (base64 of hex) and from hex', () => {
  const el = buildChecksum({ creator: 'initiator', name: 'a-file-offer', hashes: [{ algo: 'sha-1', value: SHA1 }] });
  assert.equal(el.toString(), `<checksum xmlns="${FT}" creator="initiator" name="a-file-offer"><file><hash xmlns="${H}" algo="sha-1">${SHA1}</hash></file></checksum>`);
  const spec = xml(`<checksum xmlns='${FT}' creator='initiator' name='a-file-offer'><file><hash xmlns='${H}' algo='sha-1'>${SHA1}</hash></file></checksum>`);
  assert.deepEqual(parseFileTransferInfo(spec), { ok: true, value: { kind: 'checksum', creator: 'initiator', name: 'a-file-offer', hashes: [{ algo: 'sha-1', value: SHA1 }] } });
  const digest = createHash('sha256').update('the file').digest();
  const forms = [
    [digest.toString('base64'), undefined],
    [Buffer.from(digest.toString('hex')).toString('base64'), 'base64-hex'],
    [digest.toString('hex'), 'hex'],
  ] as const;
  for (const [value, encoding] of forms) {
    const parsed = parseFileTransferInfo(xml(`<checksum xmlns='${FT}' creator='initiator' name='file'><file><hash xmlns='${H}' algo='sha-256'>${value}</hash></file></checksum>`));
    const hash = { algo: 'sha-256', value: digest.toString('base64'), ...(encoding ? { encoding } : {}) };
    assert.deepEqual(parsed, { ok: true, value: { kind: 'checksum', creator: 'initiator', name: 'file', hashes: [hash] } }, value);
  }
});

test('checksum of a range (§8.2 example 2); refusals: no <file/>, unreadable value, bad creator; other payloads are unsupported-info', () => {
  const ranged = xml(`<checksum xmlns='${FT}' creator='initiator' name='a-file-offer'><file><range offset='2048' length='1024'>
    <hash xmlns='${H}' algo='sha-1'>kHp5RSzW/h7Gm1etSf90Mr5PC/k=</hash></range></file></checksum>`);
  const value = { kind: 'checksum', creator: 'initiator', name: 'a-file-offer', hashes: [], range: { offset: 2048, length: 1024, hashes: [{ algo: 'sha-1', value: 'kHp5RSzW/h7Gm1etSf90Mr5PC/k=' }] } } as const;
  assert.deepEqual(parseFileTransferInfo(ranged), { ok: true, value });
  const { kind: _kind, ...checksum } = value;
  assert.deepEqual(parseFileTransferInfo(parse(buildChecksum(structuredClone(checksum) as never).toString()) as unknown as Element), { ok: true, value });
  const reason = (s: string) => {
    const r = parseFileTransferInfo(xml(s));
    return r.ok ? 'ok' : r.reason;
  };
  assert.equal(reason(`<checksum xmlns='${FT}' creator='initiator' name='f'/>`), 'bad-request');
  assert.equal(reason(`<checksum xmlns='${FT}'><file><hash xmlns='${H}' algo='sha-256'>abcd</hash></file></checksum>`), 'bad-request');
  assert.equal(reason(`<checksum xmlns='${FT}' creator='sender'><file/></checksum>`), 'bad-request');
  assert.equal(reason(`<checksum xmlns='${FT}'><file><range offset='-5'/></file></checksum>`), 'bad-request');
  assert.equal(reason(`<ringing xmlns='urn:xmpp:jingle:apps:rtp:1:info'/>`), 'unsupported-info');
  assert.equal(reason(`<checksum xmlns='urn:xmpp:jingle:apps:file-transfer:4'><file/></checksum>`), 'unsupported-info');
});

test('received (§8.1): built and parsed; creator and name may be missing (SHOULD), not wrong', () => {
  const el = buildReceived({ creator: 'initiator', name: 'a-file-offer' });
  assert.equal(el.toString(), `<received xmlns="${FT}" creator="initiator" name="a-file-offer"/>`);
  assert.deepEqual(parseFileTransferInfo(el), { ok: true, value: { kind: 'received', creator: 'initiator', name: 'a-file-offer' } });
  assert.deepEqual(parseFileTransferInfo(xml(`<received xmlns='${FT}'/>`)), { ok: true, value: { kind: 'received' } });
  assert.equal(parseFileTransferInfo(xml(`<received xmlns='${FT}' creator='me'/>`)).ok, false);
});

test('§9 conditions go in a <reason/> beside their Jingle condition, and are read back from a peer', () => {
  assert.equal(
    buildReason(fileTransferReason('file-too-large')).toString(),
    '<reason><media-error/><file-too-large xmlns="urn:xmpp:jingle:apps:file-transfer:errors:0"/></reason>',
  );
  assert.deepEqual(fileTransferReason('file-not-available', 'gone'), {
    condition: 'failed-application',
    text: 'gone',
    appCondition: { name: 'file-not-available', ns: 'urn:xmpp:jingle:apps:file-transfer:errors:0' },
  });
  // §9.1 example: content-reject with <failed-application/> and <file-not-available/>.
  const parsed = parseJingle(
    xml(`<jingle xmlns='urn:xmpp:jingle:1' action='content-reject' sid='uj3b2'><content creator='initiator' name='requesting-file' senders='initiator'/>
      <reason><failed-application /><file-not-available xmlns='urn:xmpp:jingle:apps:file-transfer:errors:0' /></reason></jingle>`),
  );
  assert.ok(parsed.ok);
  assert.equal(parseFileTransferError(parsed.value.reason), 'file-not-available');
  assert.equal(parseFileTransferError({ condition: 'success' }), undefined);
  assert.equal(parseFileTransferError({ condition: 'media-error', appCondition: { name: 'constructor', ns: 'urn:xmpp:jingle:apps:file-transfer:errors:0' } }), undefined);
});

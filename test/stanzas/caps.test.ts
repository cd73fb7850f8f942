// XEP-0115 §5.2 and §5.3: the verification strings of the spec's own examples, parsed from the
// disco#info XML the spec shows, and the <c/> we build and read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'ltx';
import { buildCaps, capsVer, parseCaps, XEP65_CAPS_NODE } from '../../src/stanzas/caps.js';
import { parseDiscoInfo } from '../../src/stanzas/disco.js';

test('§5.2 simple example: Exodus 0.9.1 is QgayPKawpkPSDYmwT/WM94uAlu0=', () => {
  const info = parseDiscoInfo(
    parse(`<query xmlns='http://jabber.org/protocol/disco#info'>
      <identity category='client' name='Exodus 0.9.1' type='pc'/>
      <feature var='http://jabber.org/protocol/muc'/>
      <feature var='http://jabber.org/protocol/disco#info'/>
      <feature var='http://jabber.org/protocol/caps'/>
      <feature var='http://jabber.org/protocol/disco#items'/>
    </query>`),
  );
  assert.equal(capsVer(info), 'QgayPKawpkPSDYmwT/WM94uAlu0=');
});

test('§5.3 complex example: two languages and a softwareinfo form are q07IKJEyjvHSyhy//CH0CxmKi8w=', () => {
  // The spec's string S shows the names' spaces as &#160;; its ver is computed with plain spaces.
  const info = parseDiscoInfo(
    parse(`<query xmlns='http://jabber.org/protocol/disco#info' node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>
      <identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>
      <identity xml:lang='el' category='client' name='\u03a8 0.11' type='pc'/>
      <feature var='http://jabber.org/protocol/caps'/>
      <feature var='http://jabber.org/protocol/disco#info'/>
      <feature var='http://jabber.org/protocol/disco#items'/>
      <feature var='http://jabber.org/protocol/muc'/>
      <x xmlns='jabber:x:data' type='result'>
        <field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>
        <field var='ip_version' type='text-multi'><value>ipv6</value><value>ipv4</value></field>
        <field var='os'><value>Mac</value></field>
        <field var='software_version'><value>0.11</value></field>
        <field var='os_version'><value>10.5.1</value></field>
        <field var='software'><value>Psi</value></field>
      </x>
    </query>`),
  );
  assert.equal(info.forms?.length, 1);
  assert.equal(capsVer(info), 'q07IKJEyjvHSyhy//CH0CxmKi8w=');
});

test('the <c/> we build carries sha-1, our node and the ver of what we answer; parseCaps reads it back', () => {
  const info = { identities: [{ category: 'client', type: 'console', name: 'xep65' }], features: ['http://jabber.org/protocol/caps', 'urn:xmpp:jingle:1'] };
  const c = buildCaps(info);
  assert.equal(c.attrs.hash, 'sha-1');
  assert.equal(c.attrs.node, XEP65_CAPS_NODE);
  assert.equal(c.attrs.ver, capsVer(info));
  const presence = parse(`<presence xmlns='jabber:client'>${c.toString()}</presence>`);
  assert.deepEqual(parseCaps(presence), { hash: 'sha-1', node: XEP65_CAPS_NODE, ver: capsVer(info) });
});

test('a legacy <c/> without hash (§8.1), or none at all, is no caps', () => {
  assert.equal(parseCaps(parse(`<presence xmlns='jabber:client'><c xmlns='http://jabber.org/protocol/caps' node='n' ver='1.0' ext='a b'/></presence>`)), undefined);
  assert.equal(parseCaps(parse(`<presence xmlns='jabber:client'/>`)), undefined);
});

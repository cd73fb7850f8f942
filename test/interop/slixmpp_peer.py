#!/usr/bin/python3
"""A file-transfer peer built on slixmpp 1.8.3 (Debian python3-slixmpp), for xep65's interop tests.

The bytestream is slixmpp's own XEP-0065 implementation (an independent SOCKS5/S5B stack). The SI
negotiation (XEP-0095/0096) is done here with plain stanzas, because slixmpp's SI code is not
usable as shipped (../../shared/FIELD-NOTES.md):
  WORKAROUND si-handler: incoming SI offers are dropped (its handler never runs): we register our own.
  WORKAROUND si-offer:   xep_0095.offer() raises TypeError: we build the offer IQ ourselves.
  WORKAROUND si-method:  offered both methods, its receiver picks IBB: we choose bytestreams ourselves.
  WORKAROUND port-int:   an integer 'port' attribute makes the IQ vanish: ports are sent as strings.
  WORKAROUND s5b-auth:   its target refuses streams not pre-authorised by its SI code: auto_accept.
  WORKAROUND proxy-choice: it offers every proxy it discovered: we filter its private table.

Usage:
  slixmpp_peer.py receive --jid J --password P --server H:PORT --ca-file F --dir D [--method s5b|ibb]
  slixmpp_peer.py send --jid J --password P --server H:PORT --ca-file F --file PATH --to FULLJID [--method s5b|ibb]
With --method ibb the bytes go through slixmpp's own XEP-0047 implementation instead.
Prints 'READY <jid>' once online, then 'DONE <path-or-name> <bytes> <sha256>' or 'ERROR <text>'.
"""
import argparse
import time
import asyncio
import hashlib
import os
import ssl
import sys
import uuid
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.xmlstream.handler import CoroutineCallback
from slixmpp.xmlstream.matcher import MatchXPath

NS_SI = 'http://jabber.org/protocol/si'
NS_FT = 'http://jabber.org/protocol/si/profile/file-transfer'
NS_FN = 'http://jabber.org/protocol/feature-neg'
NS_XDATA = 'jabber:x:data'
NS_S5B = 'http://jabber.org/protocol/bytestreams'
NS_IBB = 'http://jabber.org/protocol/ibb'


def say(*words):
    print(*words, flush=True)


class Peer(slixmpp.ClientXMPP):
    def __init__(self, args):
        super().__init__(args.jid, args.password)
        self.args = args
        self.register_plugin('xep_0030')
        self.register_plugin('xep_0065', {'auto_accept': True})  # WORKAROUND s5b-auth
        self.register_plugin('xep_0047', {'auto_accept': True})  # the same for IBB
        host, port = args.server.rsplit(':', 1)
        self.server_address = (host, int(port))
        ctx = ssl.create_default_context(cafile=args.ca_file)
        self.ssl_context = ctx
        self.enable_plaintext = False
        self.add_event_handler('session_start', self.on_start)
        self.add_event_handler('failed_auth', lambda *_: self.fail('authentication failed'))
        self.done = asyncio.get_event_loop().create_future()

    def fail(self, text):
        if not self.done.done():
            say('ERROR', text)
            self.done.set_result(1)

    def finish(self, *words):
        if not self.done.done():
            say('DONE', *words)
            self.done.set_result(0)

    async def on_start(self, _event):
        for feature in (NS_SI, NS_FT):  # what its SI plugin would advertise, had we loaded it
            self['xep_0030'].add_feature(feature)
        self.send_presence()
        await self.get_roster()
        say('READY', self.boundjid.full)
        if self.args.mode == 'send':
            try:
                await self.send_file()
            except Exception as err:  # a failed interop run must say why, then end
                self.fail(f'{type(err).__name__}: {err}')
        else:
            # WORKAROUND si-handler: our own handler for incoming offers.
            self.register_handler(CoroutineCallback(
                'xep65 interop SI', MatchXPath(f'{{jabber:client}}iq/{{{NS_SI}}}si'), self.on_offer))
            self.add_event_handler('socks5_data', self.on_data)
            self.add_event_handler('socks5_closed', self.on_closed)
            self.add_event_handler('ibb_stream_data', lambda stream: self.on_data(stream.read()))
            self.add_event_handler('ibb_stream_end', self.on_closed)
            self.incoming = None

    async def on_offer(self, iq):
        si = iq.xml.find(f'{{{NS_SI}}}si')
        file_el = si.find(f'{{{NS_FT}}}file')
        name = os.path.basename(file_el.get('name'))
        self.incoming = {
            'path': os.path.join(self.args.dir, name), 'size': int(file_el.get('size')),
            'got': 0, 'hash': hashlib.sha256(), 'out': open(os.path.join(self.args.dir, name + '.part'), 'wb'),
        }
        reply = iq.reply()
        # WORKAROUND si-method: choose the method ourselves.
        method = NS_IBB if self.args.method == 'ibb' else NS_S5B
        reply.append(ET.fromstring(
            f"<si xmlns='{NS_SI}'><feature xmlns='{NS_FN}'><x xmlns='{NS_XDATA}' type='submit'>"
            f"<field var='stream-method'><value>{method}</value></field></x></feature></si>"))
        reply.send()

    def on_data(self, data):
        inc = self.incoming
        if inc is None:
            return
        if inc['got'] == 0:
            inc['first'] = time.monotonic()
        inc['out'].write(data)
        inc['hash'].update(data)
        inc['got'] += len(data)
        if inc['got'] >= inc['size']:
            inc['out'].close()
            os.rename(inc['path'] + '.part', inc['path'])
            say('TIMING', f"{time.monotonic() - inc['first']:.6f}")  # first byte to last, for npm run bench
            self.finish(inc['path'], inc['got'], inc['hash'].hexdigest())

    def on_closed(self, _exc):
        inc = self.incoming
        if inc is not None and inc['got'] < inc['size']:
            self.fail(f"stream closed after {inc['got']} of {inc['size']} bytes")

    async def send_file(self):
        path, to = self.args.file, self.args.to
        size = os.path.getsize(path)
        sid = uuid.uuid4().hex
        method = NS_IBB if self.args.method == 'ibb' else NS_S5B
        # WORKAROUND si-offer: the offer IQ built by hand.
        iq = self.Iq(stype='set', sto=to)
        iq.append(ET.fromstring(
            f"<si xmlns='{NS_SI}' id='{sid}' profile='{NS_FT}' mime-type='application/octet-stream'>"
            f"<file xmlns='{NS_FT}' name='{os.path.basename(path)}' size='{size}'/>"
            f"<feature xmlns='{NS_FN}'><x xmlns='{NS_XDATA}' type='form'>"
            f"<field var='stream-method' type='list-single'><option><value>{method}</value></option></field>"
            f"</x></feature></si>"))
        answer = await iq.send(timeout=60)
        values = [v.text for v in answer.xml.iter(f'{{{NS_XDATA}}}value')]
        if method not in values:
            raise RuntimeError(f'receiver chose {values}')
        if method == NS_IBB:
            stream = await self['xep_0047'].open_stream(to, sid=sid, block_size=4096)
            digest = hashlib.sha256()
            with open(path, 'rb') as f:
                while chunk := f.read(4096):
                    digest.update(chunk)
                    await stream.send(chunk)
            await stream.close()
            self.finish(os.path.basename(path), size, digest.hexdigest())
            return
        # slixmpp as requester offers only proxies (discovered on our server), then activates.
        if self.args.proxy:
            # WORKAROUND proxy-choice: slixmpp offers every proxy it discovered and has no option to
            # pick one; discover as it does (disco#items, disco#info identity, network address),
            # then keep only the one asked for in its private table, which handshake() then uses.
            found = await self['xep_0065'].discover_proxies(timeout=10)
            if self.args.proxy not in {str(j) for j in found}:
                raise RuntimeError(f'proxy {self.args.proxy} not discovered (found {sorted(map(str, found))})')
            self['xep_0065']._proxies = {j: a for j, a in found.items() if str(j) == self.args.proxy}
        stream = await self['xep_0065'].handshake(to, sid=sid, timeout=30)
        if stream is None:
            raise RuntimeError('no bytestream')
        digest = hashlib.sha256()
        with open(path, 'rb') as f:
            while chunk := f.read(65536):
                digest.update(chunk)
                await stream.write(chunk)
        stream.transport.close()
        await asyncio.sleep(0.5)  # let the transport flush before we log out
        self.finish(os.path.basename(path), size, digest.hexdigest())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['send', 'receive'])
    for name in ('--jid', '--password', '--server', '--ca-file'):
        parser.add_argument(name, required=True)
    parser.add_argument('--dir', default='.')
    parser.add_argument('--file')
    parser.add_argument('--to')
    parser.add_argument('--timeout', type=float, default=60)
    parser.add_argument('--method', choices=['s5b', 'ibb'], default='s5b')
    parser.add_argument('--proxy', help='offer only this discovered proxy (sender)')
    args = parser.parse_args()
    peer = Peer(args)
    host, port = peer.server_address
    peer.connect(address=(host, port), force_starttls=True, disable_starttls=False)
    loop = asyncio.get_event_loop()
    try:
        code = loop.run_until_complete(asyncio.wait_for(peer.done, args.timeout))
    except asyncio.TimeoutError:
        say('ERROR', 'timed out')
        code = 2
    peer.disconnect()
    sys.exit(code)


if __name__ == '__main__':
    main()

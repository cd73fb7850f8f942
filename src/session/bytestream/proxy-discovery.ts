// XEP-0065 §4 "Discovering Proxies": disco#items on our server, disco#info on each item for the
// proxy/bytestreams identity, then the network-address query. Items that fail are skipped
// (FIELD-NOTES: components listed while not connected answer with errors).
import { buildDiscoInfoQuery, buildDiscoItemsQuery, parseDiscoInfo, parseDiscoItems } from '../../stanzas/disco.js';
import { buildNetworkAddressQuery, parseStreamhosts, type Streamhost } from '../../stanzas/bytestreams.js';
import { Xep65Error } from '../../errors.js';
import type { RequestOptions, XmppPort } from '../ports.js';

export interface ProxyFailure {
  jid: string;
  error: Error;
}

export async function discoverProxies(xmpp: XmppPort, opts: RequestOptions, onSkip?: (f: ProxyFailure) => void): Promise<Streamhost[]> {
  const itemsQuery = await xmpp.get(xmpp.domain, buildDiscoItemsQuery(), opts);
  const items = itemsQuery ? parseDiscoItems(itemsQuery) : [];
  const found = await Promise.all(
    items.map(async (item) => {
      try {
        const infoQuery = await xmpp.get(item.jid, buildDiscoInfoQuery(), opts);
        const info = infoQuery ? parseDiscoInfo(infoQuery) : undefined;
        if (!info?.identities.some((i) => i.category === 'proxy' && i.type === 'bytestreams')) return [];
        return await queryProxy(xmpp, item.jid, opts);
      } catch (err) {
        onSkip?.({ jid: item.jid, error: err as Error });
        return [];
      }
    }),
  );
  return found.flat();
}

/** The network-address query on one proxy (XEP-0065 §4, example 5-6). */
export async function queryProxy(xmpp: XmppPort, jid: string, opts: RequestOptions): Promise<Streamhost[]> {
  const query = await xmpp.get(jid, buildNetworkAddressQuery(), opts);
  const hosts = query ? parseStreamhosts(query) : [];
  if (hosts.length === 0) throw new Xep65Error('protocol', `proxy ${jid} gave no network address`);
  return hosts;
}

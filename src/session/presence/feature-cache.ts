// What a resource can do, from its caps (XEP-0115 §6.2: disco#info of node#ver, once per ver
// per run, and only a ver that matches its info is shared, §5.4) or, without caps, from disco#info
// of the full JID (XEP-0030 §3.1).
import { capsVer, type Caps } from '../../stanzas/caps.js';
import { buildDiscoInfoQuery, parseDiscoInfo } from '../../stanzas/disco.js';
import type { RequestOptions, XmppPort } from '../ports.js';

export interface FeatureCache {
  /** The features `jid` announces; undefined when it would not say (an IQ error or no answer). */
  featuresOf(jid: string, caps?: Caps): Promise<string[] | undefined>;
}

export function createFeatureCache(xmpp: XmppPort, opts: RequestOptions): FeatureCache {
  const byVer = new Map<string, Promise<string[] | undefined>>();
  const ask = async (jid: string, node?: string) => {
    const answer = await xmpp.get(jid, buildDiscoInfoQuery(node), opts).catch(() => undefined);
    return answer ? parseDiscoInfo(answer) : undefined;
  };
  return {
    async featuresOf(jid, caps) {
      if (!caps || caps.hash !== 'sha-1') return (await ask(jid))?.features;
      const key = `${caps.node}#${caps.ver}`;
      const cached = byVer.get(key);
      if (cached) return cached;
      const lookup = ask(jid, key).then(async (info) => {
        // A ver that does not hash to its answer is not shared with other resources (§5.4 step 7);
        // a client that does not answer on the node is asked without it.
        if (!info || capsVer(info) !== caps.ver) byVer.delete(key);
        return (info ?? (await ask(jid)))?.features;
      });
      byVer.set(key, lookup);
      return lookup;
    },
  };
}

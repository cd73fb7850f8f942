// `xep65 discover [JID]`: prints the discover report (src/transfer/discover.ts) for people, or
// as one JSON record with --json. Exit 0 when the report could be made, whatever it says.
import type { Argv, CommandModule } from 'yargs';
import type { DiscoverReport } from '../transfer/discover.js';
import { resolveAccount, type AccountArgs } from './account.js';
import type { CommandContext } from './command.js';
import { EXIT } from './exit-codes.js';
import { printable } from './format.js';

export function discoverCommand(ctx: CommandContext): CommandModule {
  return {
    command: 'discover [contact]',
    describe: "show the server's proxies (checked over SOCKS5), what a contact's client supports, and the addresses we would offer",
    builder: (y: Argv) =>
      y
        .positional('contact', { type: 'string', describe: 'a full JID (user@host/resource) to ask what it supports, or a bare JID (user@host): the resource send would choose' })
        .option('resource', { type: 'string', default: 'xep65-discover', describe: 'our resource' }),
    handler: (argv) =>
      ctx.choose(async (_view, signal) => {
        const args = argv as unknown as AccountArgs & { contact?: string; json?: boolean };
        const account = await resolveAccount(args, ctx, signal);
        const { discover } = await import('../transfer/discover.js');
        const report = await discover(account, args.contact, signal);
        if (args.json) process.stdout.write(`${JSON.stringify({ event: 'discover', ...report })}\n`);
        else process.stdout.write(describe(report));
        return EXIT.ok;
      }),
  };
}

function describe(r: DiscoverReport): string {
  const lines = [`Account: ${r.account}`, 'Proxies on the server:'];
  if (r.proxies.length === 0) lines.push('  none found (disco#items of the server lists no proxy/bytestreams service)');
  for (const p of r.proxies) lines.push(`  ${p.jid} ${p.host}:${p.port} ${p.reachable ? 'reachable' : `NOT reachable: ${printable(p.error ?? '')}`}`);
  if (r.peer) {
    lines.push(`Contact ${printable(r.peer.jid)}:`);
    const res = r.peer.resource;
    if (res?.jid) lines.push(`  resource: ${printable(res.jid)}, ${printable(res.reason ?? '')}`);
    for (const c of res && res.candidates.length > 1 ? res.candidates : []) lines.push(`    ${printable(c.jid)} priority ${c.priority}: ${printable(c.protocol ?? c.why)}`);
    if (r.peer.reason) lines.push(`  no resource to send to: ${printable(r.peer.error ?? '')}`);
    else if (r.peer.error) lines.push(`  no answer to disco#info: ${printable(r.peer.error)}`);
    else {
      lines.push(`  identities: ${r.peer.identities.map(printable).join(', ') || 'none'}`);
      lines.push(`  supports: ${r.peer.supports.join(', ') || 'nothing we know'}`);
      lines.push(`  can receive from xep65: ${r.peer.canReceive ? 'yes' : 'no (needs Jingle file transfer :5 with a transport, or SI file transfer)'}`);
      lines.push(`  protocol: ${r.peer.protocol ? `${r.peer.protocol} (${printable(r.peer.protocolReason ?? '')})` : `none (${printable(r.peer.protocolReason ?? '')})`}`);
    }
  }
  lines.push(`Our streamhost would offer: ${r.ownAddresses.join(', ') || 'no address (use --host)'}`);
  return `${lines.join('\n')}\n`;
}

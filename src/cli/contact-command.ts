// `xep65 contact add|list|remove`: the roster (src/transfer/contacts.ts). `add` asks for the
// contact's presence and approves theirs in advance, so a bare-JID `send` can find its resource;
// `list` shows each contact's subscription and the resources online now with what they can
// receive (one line each, or one JSON record per contact with --json). Results go to stdout.
import type { Argv, CommandModule } from 'yargs';
import { Xep65Error } from '../errors.js';
import type { ContactReport } from '../transfer/contacts.js';
import type { RosterItem } from '../stanzas/roster.js';
import { resolveAccount, type AccountArgs } from './account.js';
import type { CommandContext } from './command.js';
import { EXIT } from './exit-codes.js';
import { printable } from './format.js';

type ContactArgs = AccountArgs & { action: string; contact?: string; json?: boolean };

export function contactCommand(ctx: CommandContext): CommandModule {
  return {
    command: 'contact <action> [contact]',
    describe: 'manage contacts: add JID (ask to see its presence, and let it see ours), list, remove JID',
    builder: (y: Argv) =>
      y
        .positional('action', { type: 'string', choices: ['add', 'list', 'remove'], describe: 'add, list or remove' })
        .positional('contact', { type: 'string', describe: 'a bare JID (user@host), for add and remove' })
        .option('resource', { type: 'string', default: 'xep65-contact', describe: 'our resource' }),
    handler: (argv) =>
      ctx.choose(async (_view, signal) => {
        const args = argv as unknown as ContactArgs;
        if (args.action !== 'list' && !args.contact) throw new Xep65Error('usage', `contact ${args.action} needs a JID: xep65 contact ${args.action} user@host`);
        const account = await resolveAccount(args, ctx, signal);
        const contacts = await import('../transfer/contacts.js');
        const out = (record: object, line: string) => process.stdout.write(args.json ? `${JSON.stringify(record)}\n` : `${line}\n`);
        if (args.action === 'add') {
          const item = await contacts.addContact(account, args.contact!, signal);
          out({ event: 'contact-added', ...item }, `Asked ${item.jid} for its presence and approved its request in advance (subscription ${describeSubscription(item)})`);
        } else if (args.action === 'remove') {
          const removed = await contacts.removeContact(account, args.contact!, signal);
          out({ event: 'contact-removed', jid: args.contact, removed }, removed ? `Removed ${args.contact}` : `${args.contact} was not a contact`);
        } else {
          for (const c of await contacts.listContacts(account, signal)) out({ event: 'contact', ...c }, describeContact(c));
        }
        return EXIT.ok;
      }),
  };
}

function describeSubscription(item: RosterItem): string {
  const words = { none: 'none', to: 'to (we see its presence)', from: 'from (it sees ours)', both: 'both' } as const;
  return `${words[item.subscription]}${item.pending ? ', our request pending' : ''}`;
}

function describeContact(c: ContactReport): string {
  const name = c.name ? ` (${printable(c.name)})` : '';
  const head = `${printable(c.jid)}${name}  subscription ${describeSubscription(c)}`;
  if (c.resources.length === 0) return `${head}  offline${c.subscription === 'to' || c.subscription === 'both' ? '' : ' or not visible'}`;
  const rs = c.resources.map((r) => `${printable(r.jid.slice(r.jid.indexOf('/') + 1))} [priority ${r.priority}, ${r.protocol ? (r.protocol === 'jingle' ? 'Jingle' : 'SI') : 'no file transfer'}]`);
  return `${head}  online: ${rs.join(', ')}`;
}

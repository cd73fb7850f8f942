// A scripted XMPP port for session tests (ARCHITECTURE rule 12: transcripts, not a server).
import type { Element } from '@xmpp/xml';
import type { IqAnswer, IqHandler, RequestOptions, XmppPort } from '../../src/session/ports.js';

export interface SentIq {
  type: 'get' | 'set';
  to: string;
  payload: Element;
}

export class FakeXmpp implements XmppPort {
  readonly sent: SentIq[] = [];
  private readonly handlers: Array<{ type: string; ns: string; name: string; handler: IqHandler }> = [];
  /** Answers our outgoing IQs: return the result child, or throw an IqError. */
  answer: (iq: SentIq) => Promise<Element | undefined> | Element | undefined = () => undefined;

  constructor(
    readonly jid: string,
    readonly domain = jid.split('@')[1]!.split('/')[0]!,
  ) {}

  async get(to: string, payload: Element, _opts?: RequestOptions) {
    return this.request({ type: 'get', to, payload });
  }

  async set(to: string, payload: Element, _opts?: RequestOptions) {
    return this.request({ type: 'set', to, payload });
  }

  handle(type: 'get' | 'set', ns: string, name: string, handler: IqHandler): void {
    this.handlers.push({ type, ns, name, handler });
  }

  /** Delivers an incoming IQ as the server would, returning what our handler answered. */
  async receive(type: 'get' | 'set', from: string, element: Element): Promise<IqAnswer | undefined> {
    const h = this.handlers.find((x) => x.type === type && x.name === element.name && x.ns === element.getNS());
    return h ? h.handler({ from, element }) : undefined;
  }

  private async request(iq: SentIq) {
    this.sent.push(iq);
    return this.answer(iq);
  }
}

// Just enough typing for the xmpp.js 0.14 pieces we assemble (they ship no types of their own).
declare module '@xmpp/client-core' {
  import type { Element } from '@xmpp/xml';
  import type { EventEmitter } from 'node:events';
  export class Client extends EventEmitter {
    constructor(options: { domain: string; service?: string; timeout?: number });
    jid: { toString(): string } | null;
    status: string;
    socket: unknown;
    options: { domain: string };
    transports: unknown[];
    isSecure(): boolean;
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    restart(): Promise<unknown>;
    send(element: Element): Promise<void>;
    sendReceive(element: Element, timeout?: number): Promise<Element>;
    _attachSocket(socket: unknown): void;
    _jid(id: string): unknown;
    _onData(data: Buffer): void;
    parser: { write(s: string): void } | null;
  }
}
declare module '@xmpp/tcp' {
  export default function tcp(deps: { entity: unknown }): void;
}
declare module '@xmpp/middleware' {
  export interface Middleware {
    use(fn: (ctx: MiddlewareContext, next: () => Promise<unknown>) => unknown): void;
  }
  export interface MiddlewareContext {
    stanza: import('@xmpp/xml').Element;
    entity: import('@xmpp/client-core').Client;
    from: string;
    to: string;
    id: string;
    type: string;
    name: string;
  }
  export default function middleware(deps: { entity: unknown }): Middleware;
}
declare module '@xmpp/stream-features' {
  import type { Element } from '@xmpp/xml';
  import type { Middleware } from '@xmpp/middleware';
  export interface StreamFeatures {
    use(
      name: string,
      ns: string,
      handler: (ctx: { entity: import('@xmpp/client-core').Client }, next: () => unknown, feature: Element) => unknown,
    ): void;
  }
  export default function streamFeatures(deps: { middleware: Middleware }): StreamFeatures;
}
declare module '@xmpp/iq/caller.js' {
  import type { Element } from '@xmpp/xml';
  export interface IqCaller {
    request(stanza: Element, timeout?: number): Promise<Element>;
  }
  export default function iqCaller(deps: { middleware: unknown; entity: unknown }): IqCaller;
}
declare module '@xmpp/iq/callee.js' {
  import type { Element } from '@xmpp/xml';
  export interface IqContext {
    stanza: Element;
    element: Element;
    from: string;
  }
  export interface IqCallee {
    get(ns: string, name: string, handler: (ctx: IqContext) => unknown): void;
    set(ns: string, name: string, handler: (ctx: IqContext) => unknown): void;
  }
  export default function iqCallee(deps: { middleware: unknown; entity: unknown }): IqCallee;
}
declare module '@xmpp/sasl' {
  export type OnAuthenticate = (
    done: (credentials: { username: string; password: string }, mechanism: string) => Promise<void>,
    mechanisms: string[],
    fast: unknown,
    entity: import('@xmpp/client-core').Client,
  ) => Promise<void>;
  export default function sasl(deps: { streamFeatures: unknown; saslFactory: unknown }, onAuthenticate: OnAuthenticate): void;
}
declare module '@xmpp/sasl-plain' {
  export default function plain(saslFactory: unknown): void;
}
declare module '@xmpp/resource-binding' {
  export default function resourceBinding(deps: { streamFeatures: unknown; iqCaller: unknown }, resource: string): void;
}
declare module '@xmpp/tls/lib/Socket.js' {
  import type { EventEmitter } from 'node:events';
  import type { ConnectionOptions } from 'node:tls';
  export default class TlsSocket extends EventEmitter {
    secure: boolean;
    connect(options: ConnectionOptions): void;
  }
}
declare module 'saslmechanisms' {
  export default class SASLFactory {
    use(name: string, mech: unknown): this;
  }
}
declare module '@xmpp/connection-tcp' {
  import type { Element } from '@xmpp/xml';
  import type { EventEmitter } from 'node:events';
  export default class ConnectionTCP extends EventEmitter {
    constructor(options: { domain: string; service?: string; timeout?: number });
    NS: string;
    jid: { toString(): string } | null;
    status: string;
    socket: unknown;
    parser: { write(s: string): void } | null;
    connect(service: string): Promise<void>;
    open(options: { domain: string; lang?: string }): Promise<Element>;
    stop(): Promise<unknown>;
    send(element: Element): Promise<void>;
    sendReceive(element: Element, timeout?: number): Promise<Element>;
    _jid(id: string): unknown;
    _status(status: string, ...args: unknown[]): void;
    _onData(data: Buffer): void;
  }
}

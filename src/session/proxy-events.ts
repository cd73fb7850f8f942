// Events our proxy reports (ARCHITECTURE rule 9); only the CLI turns them into text or JSON.

export interface ProxyCounters {
  /** SOCKS5 connections open now: handshaking, waiting for a partner or activation, relaying. */
  connections: number;
  waiting: number;
  active: number;
  /** Since start. */
  activated: number;
  completed: number;
  refusedConnections: number;
  expired: number;
  forbidden: number;
  failedActivations: number;
  bytesRelayed: number;
}

export type ProxyEvent =
  | { kind: 'proxy-ready'; jid: string; listen: string; streamhost: { host: string; port: number } }
  | { kind: 'stream-activated'; sid: string; requester: string; target: string; dstAddr: string }
  | {
      kind: 'stream-closed';
      sid: string;
      requester: string;
      target: string;
      dstAddr: string;
      /** Bytes relayed from the requester's connection to the target's, and back. */
      bytes: number;
      bytesBack: number;
      seconds: number;
      /** Why it ended: 'end' (a side closed cleanly) or the error that broke it. */
      reason: string;
    }
  | { kind: 'activation-refused'; sid: string; requester: string; target: string; condition: string }
  | { kind: 'forbidden'; requester: string; request: 'network-address' | 'activate' }
  | { kind: 'connection-refused'; peer: string; reason: string }
  | { kind: 'connection-expired'; peer: string; dstAddr: string; seconds: number }
  | { kind: 'counters'; counters: ProxyCounters }
  /** The component connection was lost; the SOCKS5 side keeps relaying while we reconnect. */
  | { kind: 'component-lost'; error: Error; retrySeconds: number }
  | { kind: 'component-online'; jid: string };

export type ProxyEventSink = (event: ProxyEvent) => void;

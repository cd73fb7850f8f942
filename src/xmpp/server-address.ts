// Where an XMPP server (RFC 6120 §3.2) or a component's server (XEP-0114) is reached.
export interface ServerAddress {
  host: string;
  port: number;
}

// Namespaces used on the wire, one constant each (XEP-0030, XEP-0095, XEP-0096, XEP-0020,
// XEP-0004, XEP-0065, XEP-0047, RFC 6120 §8.3).
export const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
export const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
export const NS_SI = 'http://jabber.org/protocol/si';
export const NS_SI_FILE = 'http://jabber.org/protocol/si/profile/file-transfer';
export const NS_FEATURE_NEG = 'http://jabber.org/protocol/feature-neg';
export const NS_DATA = 'jabber:x:data';
export const NS_BYTESTREAMS = 'http://jabber.org/protocol/bytestreams';
export const NS_IBB = 'http://jabber.org/protocol/ibb';
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
// RFC 6120 §5 (STARTTLS) and §6 (SASL).
export const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

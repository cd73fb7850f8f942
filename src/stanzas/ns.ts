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
// Jingle (XEP-0166 §7, §10), Jingle File Transfer (XEP-0234 §5, §9; :3 and :4 are the versions
// old Conversations builds still offer), Jingle S5B (XEP-0260), Jingle IBB (XEP-0261) and
// hashes (XEP-0300 §3, §5: the disco feature of each algorithm is this prefix + its name).
export const NS_JINGLE = 'urn:xmpp:jingle:1';
export const NS_JINGLE_ERRORS = 'urn:xmpp:jingle:errors:1';
export const NS_JINGLE_FT = 'urn:xmpp:jingle:apps:file-transfer:5';
export const NS_JINGLE_FT_4 = 'urn:xmpp:jingle:apps:file-transfer:4';
export const NS_JINGLE_FT_3 = 'urn:xmpp:jingle:apps:file-transfer:3';
export const NS_JINGLE_FT_ERRORS = 'urn:xmpp:jingle:apps:file-transfer:errors:0';
export const NS_JINGLE_S5B = 'urn:xmpp:jingle:transports:s5b:1';
export const NS_JINGLE_IBB = 'urn:xmpp:jingle:transports:ibb:1';
export const NS_HASHES = 'urn:xmpp:hashes:2';
export const NS_HASH_TEXT_NAMES = 'urn:xmpp:hash-function-text-names:';
export const NS_HASH_SHA256_TEXT = 'urn:xmpp:hash-function-text-names:sha-256';
// Entity capabilities (XEP-0115 §4), the roster (RFC 6121 §2).
export const NS_CAPS = 'http://jabber.org/protocol/caps';
export const NS_ROSTER = 'jabber:iq:roster';

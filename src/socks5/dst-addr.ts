// XEP-0065 §5.3.2 / §6.3.2 / §10.2: DST.ADDR = SHA1(SID + Requester JID + Target JID), hex-encoded.
import { createHash } from 'node:crypto';

/**
 * The SOCKS5 DST.ADDR both parties send to a streamhost: lowercase hex SHA-1 of the UTF-8 bytes of
 * sid + requester + target. The JIDs are hashed exactly as given: pass them as the server stamped
 * them in the IQ exchange (our bound JID, the peer's `from`), never as typed by a user. UTF-8, not
 * Latin-1, so non-ASCII JIDs hash as other implementations do (FIELD-NOTES: QXmpp gets this wrong).
 */
export function dstAddr(sid: string, requesterJid: string, targetJid: string): string {
  return createHash('sha1').update(sid + requesterJid + targetJid, 'utf8').digest('hex');
}

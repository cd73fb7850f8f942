// Our own presence (RFC 6121 §4.7.2.3): priority -1, so that the server never routes a message
// sent to our bare JID to a file-transfer tool (a chat client of the same account gets it).
export const OUR_PRIORITY = -1;

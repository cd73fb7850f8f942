// Bounded waits used by the use cases; every wait on a peer has one (never hang at 0%).
export const TIMEOUTS = {
  /** XMPP login. */
  loginMs: 20_000,
  /** An ordinary IQ round trip (disco, network-address query, activation). */
  iqMs: 20_000,
  /** The target connecting to our streamhosts and answering streamhost-used. */
  streamhostAnswerMs: 60_000,
  /** One streamhost at the least: TCP connect plus SOCKS5 handshake. */
  perHostMs: 3_000,
  /** All streamhost candidates of one offer together (each still gets perHostMs). */
  connectBudgetMs: 10_000,
  /** Stagger between starting streamhost candidates. */
  staggerMs: 300,
  /** A SOCKS5 client that connected to our streamhost and must finish its handshake. */
  handshakeMs: 10_000,
  /** After accepting an offer, waiting for the sender's streamhost offer. */
  streamhostOfferMs: 120_000,
  /** After SOCKS5 failed, how long the receiver waits for the sender to open IBB instead. */
  ibbFallbackMs: 10_000,
  /** A receiver with the whole file waits this long for the sender's IBB <close/> before it logs out. */
  ibbCloseMs: 3_000,
  /** No data at all for this long ends a transfer. */
  idleMs: 60_000,
  /** The receiver, after the last offered byte: waiting for the sender's end (a byte more fails). */
  endGraceMs: 3_000,
  /** Jingle: after the last offered byte, waiting for the sender's end (completion is by byte count). */
  jingleEndGraceMs: 200,
  /** Jingle receiver: after the last byte, waiting for the <checksum/> the offer announced. */
  checksumMs: 30_000,
  /** Jingle receiver: the same when the offer announced no hash (Dino sends none; Gajim may send one later). */
  unannouncedChecksumMs: 2_000,
  /** After the last byte, waiting for the receiver to close (SI) or confirm (Jingle). */
  closeMs: 30_000,
  /** A bare-JID recipient on another server: the first presence of one of its resources (s2s). */
  remotePresenceMs: 3_000,
  /** ... and after it, how long the presences of its other resources may still arrive. */
  remotePresenceGraceMs: 500,
  /** Default time the receiver may take to accept an offer. */
  offerMs: 300_000,
  /** Our proxy: a SOCKS5 connection not activated this long after its handshake is closed (ejabberd's 60 s). */
  activationMs: 60_000,
  /** Our proxy: first and longest wait before reconnecting a lost component connection. */
  reconnectMinMs: 1_000,
  reconnectMaxMs: 30_000,
} as const;

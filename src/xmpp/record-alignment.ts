// TLS records shaped for the server's reads during bulk in-band data (XEP-0047 through Prosody).
// Prosody (server_epoll) reads a c2s socket 4096 bytes at a time and, when the TLS layer still
// holds bytes after a read (LuaSec `dirty()`), reads the rest only once its event loop turns
// again: after its minimum wait of 1 ms when nothing else happens. A 64 KiB IBB block (87 KB of
// base64) cost it ~22 such waits, capping one sender near 2.5 MB/s. A read ends clean exactly when
// it ends at a record's end, so: records of at most 4096 bytes, and while bulk data flows, every
// write padded with whitespace (allowed between stanzas, RFC 6120 §11.7) to a multiple of 4096,
// so each record is exactly 4096 bytes and no read leaves any behind.
import type tls from 'node:tls';

export const TLS_RECORD_BYTES = 4096;

interface WritableTlsWrapper {
  socket: tls.TLSSocket | null;
  write(data: string, fn?: () => void): void;
}

export interface RecordAlignment {
  /** Pads every write until the returned function is called (counted: holds may overlap). */
  hold(): () => void;
}

export function alignRecords(wrapper: WritableTlsWrapper): RecordAlignment {
  wrapper.socket?.setMaxSendFragment(TLS_RECORD_BYTES);
  let holders = 0;
  const write = wrapper.write.bind(wrapper);
  wrapper.write = (data, fn) => {
    if (holders === 0 || typeof data !== 'string') return write(data, fn);
    const rest = Buffer.byteLength(data) % TLS_RECORD_BYTES;
    return write(rest === 0 ? data : data + ' '.repeat(TLS_RECORD_BYTES - rest), fn);
  };
  return {
    hold() {
      holders++;
      let held = true;
      return () => {
        if (held) holders--;
        held = false;
      };
    },
  };
}

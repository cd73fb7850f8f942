// An SI file offer as the receiver holds it (XEP-0096 §3.1): who, which stream id, which file.
import type { FileInfo } from '../../stanzas/si.js';

export interface IncomingOffer {
  from: string;
  sid: string;
  file: FileInfo;
  /** --resume: the bytes we already have, asked for as a range (XEP-0096 §3.3); absent: all. */
  resumeFrom?: number;
  /** --resume: this transfer holds the kept part of its file (resume-store.ts). */
  resumeClaim?: { dir: string; name: string };
}

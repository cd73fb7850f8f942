// An SI file offer as the receiver holds it (XEP-0096 §3.1): who, which stream id, which file.
import type { FileInfo } from '../../stanzas/si.js';

export interface IncomingOffer {
  from: string;
  sid: string;
  file: FileInfo;
}

// A Jingle file offer as the receiver holds it: the SI-shaped fields the accept rules and events
// already use (who, which session, which file), and the full XEP-0234 description.
import type { FileDescription } from '../../stanzas/file.js';
import type { FileInfo } from '../../stanzas/si.js';

export interface IncomingFileOffer {
  from: string;
  sid: string;
  file: FileInfo;
  description: FileDescription;
  protocol: 'jingle';
  /** --resume: the offset asked for in session-accept (XEP-0234 §6.4). */
  resumeFrom?: number;
  resumeClaim?: { dir: string; name: string };
}

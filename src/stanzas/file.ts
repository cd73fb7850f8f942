// The file being offered, whichever protocol offers it (DESIGN-REVIEW W9): XEP-0234 §5's <file/>
// and XEP-0096 §3.1's <file/> both map to it. Hashes are XEP-0300's: an algorithm and a base64 value.
import { hashToMd5Hex, md5HexToHash, type Hash, type HashAlgo } from './hashes.js';
import type { FileInfo } from './si.js';

/** XEP-0234 §5 <range/>: where the transfer starts and how many bytes it carries. */
export interface FileRange {
  /** Default 0. */
  offset: number;
  /** Absent: to the end of the file. */
  length?: number;
}

export interface FileDescription {
  name: string;
  /** Bytes. */
  size: number;
  /** Absent means application/octet-stream (XEP-0234 §5). */
  mediaType?: string;
  /** XEP-0082 DateTime of the last modification, as the sender wrote it. */
  date?: string;
  desc?: string;
  /** Hashes of the whole content, at most one per algorithm. */
  hashes: Hash[];
  /** Algorithms whose values come later (XEP-0234 §8.2 <checksum/>). */
  hashUsed?: HashAlgo[];
  /** Present when the sender supports ranged transfers (XEP-0234 §6.4). */
  range?: FileRange;
}

/** An SI offer's file (XEP-0096 §3.1) in the neutral shape; its MD5 hex becomes an md5 Hash. */
export function fileFromSi(info: FileInfo): FileDescription {
  const file: FileDescription = { name: info.name, size: info.size, hashes: [] };
  if (info.mimeType) file.mediaType = info.mimeType;
  if (info.date) file.date = info.date;
  if (info.desc) file.desc = info.desc;
  const md5 = info.hash ? md5HexToHash(info.hash) : undefined;
  if (md5) file.hashes.push(md5);
  return file;
}

/** The neutral file as an SI offer's (XEP-0096 §3.1 can carry only an MD5 hash; ranges are not mapped). */
export function fileToSi(file: FileDescription): FileInfo {
  const info: FileInfo = { name: file.name, size: file.size };
  if (file.mediaType) info.mimeType = file.mediaType;
  const md5 = file.hashes.map(hashToMd5Hex).find((h) => h !== undefined);
  if (md5) info.hash = md5;
  if (file.date) info.date = file.date;
  if (file.desc) info.desc = file.desc;
  return info;
}

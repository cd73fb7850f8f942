// The media type we put in an offer (XEP-0096 §4 'mime-type', XEP-0234 <media-type/>), from the
// file name's extension. The peer only shows it or picks an icon by it, so a table of the types
// people send covers it; anything else is application/octet-stream. (mime-types parsed the
// whole of mime-db at start, 35 ms of every send.)
const TYPES: Record<string, string> = {
  txt: 'text/plain', log: 'text/plain', md: 'text/markdown', csv: 'text/csv', html: 'text/html', htm: 'text/html',
  css: 'text/css', xml: 'application/xml', json: 'application/json', js: 'text/javascript', ics: 'text/calendar', vcf: 'text/vcard',
  pdf: 'application/pdf', rtf: 'application/rtf', epub: 'application/epub+zip',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint', pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text', ods: 'application/vnd.oasis.opendocument.spreadsheet', odp: 'application/vnd.oasis.opendocument.presentation',
  zip: 'application/zip', gz: 'application/gzip', tgz: 'application/gzip', tar: 'application/x-tar', bz2: 'application/x-bzip2',
  xz: 'application/x-xz', zst: 'application/zstd', '7z': 'application/x-7z-compressed', rar: 'application/vnd.rar',
  iso: 'application/x-iso9660-image', deb: 'application/vnd.debian.binary-package', apk: 'application/vnd.android.package-archive',
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif',
  heic: 'image/heic', heif: 'image/heif', svg: 'image/svg+xml', bmp: 'image/bmp', tif: 'image/tiff', tiff: 'image/tiff', ico: 'image/vnd.microsoft.icon',
  mp3: 'audio/mpeg', m4a: 'audio/mp4', aac: 'audio/aac', ogg: 'audio/ogg', oga: 'audio/ogg', opus: 'audio/ogg', flac: 'audio/flac', wav: 'audio/wav',
  mp4: 'video/mp4', m4v: 'video/mp4', mkv: 'video/x-matroska', webm: 'video/webm', mov: 'video/quicktime', avi: 'video/x-msvideo', '3gp': 'video/3gpp',
};

export const DEFAULT_MEDIA_TYPE = 'application/octet-stream';

export function mediaTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot >= 0 && TYPES[name.slice(dot + 1).toLowerCase()]) || DEFAULT_MEDIA_TYPE;
}

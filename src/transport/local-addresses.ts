// Which of this machine's addresses to advertise as our streamhost (XEP-0065 §5.3.1): global
// IPv4, then global/ULA IPv6, loopback last. Link-local addresses need a scope a peer cannot
// know, so they are never offered.
import os from 'node:os';

export function localAddresses(interfaces = os.networkInterfaces()): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv4' && !a.address.startsWith('169.254.')) v4.push(a.address);
      if (a.family === 'IPv6' && !/^fe[89ab]/i.test(a.address)) v6.push(a.address);
    }
  }
  return [...new Set([...v4, ...v6, '127.0.0.1'])];
}

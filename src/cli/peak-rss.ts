// The process's own peak resident set size. getrusage(2)'s ru_maxrss is not it on Linux: the
// kernel keeps the high-water mark across fork and exec, so a child started by a 400 MB parent
// reports at least ~400 MB. /proc/self/status VmHWM is the peak of this process's own memory.
import { readFileSync } from 'node:fs';

export function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch (err) {
    // No procfs (not Linux): getrusage is the best there is, and fork does not inherit it there.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return process.resourceUsage().maxRSS * 1024;
}

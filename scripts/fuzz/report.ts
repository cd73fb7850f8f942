// Tables for `npm run fuzz`: one row per decoder, then the linear-time check of the name cleaners.
import { formatFailure, type Report } from '../../test/fuzz/engine.js';
import type { LinearResult } from '../../test/fuzz/targets/safe-name.js';

function table(header: string[], rows: string[][], right: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const count = (n: number) => n.toLocaleString('en-US');
/** A lost run (hang, dead worker) has no time. */
const seconds = (ms: number) => (Number.isNaN(ms) ? '—' : (ms / 1000).toFixed(1));

export function decoderTable(reports: readonly Report[]): string {
  const rows = reports.map((r) => [
    r.name,
    count(r.cases),
    seconds(r.ms),
    count(r.value),
    count(r.none),
    count(r.error),
    count(r.failureCount),
    r.slowest.index < 0 ? '' : `${r.slowest.ms.toFixed(0)} ms, ${count(r.slowest.size)} units (case ${r.slowest.index})`,
  ]);
  const total = (f: (r: Report) => number) => reports.reduce((sum, r) => sum + (Number.isNaN(f(r)) ? 0 : f(r)), 0);
  rows.push(['all', count(total((r) => r.cases)), seconds(total((r) => r.ms)), count(total((r) => r.value)), count(total((r) => r.none)), count(total((r) => r.error)), count(total((r) => r.failureCount)), '']);
  return table(['decoder', 'cases', 'time s', 'values', 'not this', 'typed errors', 'failures', 'slowest case'], rows, new Set([1, 2, 3, 4, 5, 6]));
}

export function linearTable(results: readonly LinearResult[], n: number): string {
  const rows = results.map((r) => [r.fn, r.shape, r.msSmall.toFixed(1), Number.isNaN(r.msLarge) ? '—' : r.msLarge.toFixed(1), r.ratio.toFixed(1), r.ok ? 'ok' : 'FAIL']);
  return table(['function', 'offer', `${count(n)} ch ms`, `${count(8 * n)} ch ms`, 'ratio', ''], rows, new Set([2, 3, 4]));
}

export function failureList(reports: readonly Report[]): string {
  return reports
    .filter((r) => r.failureCount > 0)
    .map((r) => `${r.name}: ${r.failureCount} failing cases; the first ${r.failures.length}:\n${r.failures.map((f) => `  ${formatFailure(f)}`).join('\n')}`)
    .join('\n');
}

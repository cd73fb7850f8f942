// Prints benchmark rows as an aligned text table (also valid Markdown).
import type { Summary } from './stats.js';

export interface Row {
  name: string;
  unit: string;
  value?: Summary;
  /** Median of (ours / baseline) over runs made back to back. */
  ratio?: number;
  /** Free text instead of a summary. */
  text?: string;
  note?: string;
}

export function printTable(rows: Row[]): void {
  // Rows of cases that did not run have no samples: leave them out rather than print NaN.
  const cells = rows.filter(measured).map((r) => [
    r.name,
    r.text ?? (r.value ? fmt(r.value.median) : ''),
    r.value ? `${fmt(r.value.min)}–${fmt(r.value.max)}` : '',
    r.unit,
    r.ratio === undefined || Number.isNaN(r.ratio) ? '' : `${r.ratio.toFixed(2)}×`,
    r.note ?? '',
  ]);
  const header = ['case', 'median', 'spread', 'unit', 'ratio', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  process.stdout.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${cells.map(line).join('\n')}\n`);
}

function measured(r: Row): boolean {
  return r.text !== undefined || (r.value !== undefined && !Number.isNaN(r.value.median)) || (r.ratio !== undefined && !Number.isNaN(r.ratio));
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3);
}

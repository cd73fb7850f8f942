// --json: one JSON object per line on stdout for each event, for scripts and benchmarks.
// Errors carry their code and exit status; the last line is a 'stats' record of resources used.
import type { TransferEvent } from '../session/events.js';
import type { ProxyEvent } from '../session/proxy-events.js';
import type { View } from './view.js';

export function createJsonView(stdout: NodeJS.WriteStream): View {
  const write = (record: object) => stdout.write(`${JSON.stringify(record)}\n`);
  return {
    onEvent(event) {
      write(toRecord(event));
    },
    error(error, exit) {
      write({ event: 'error', code: error.code, ...(error.reason ? { reason: error.reason } : {}), exit, message: error.message });
    },
    stats(stats) {
      write({ event: 'stats', ...stats });
    },
    close() {},
  };
}

function toRecord(event: TransferEvent | ProxyEvent): object {
  const { kind, ...fields } = event;
  if ('error' in fields) {
    const error = fields.error as Error & { code?: string };
    return { event: kind, ...fields, error: { code: error.code ?? 'internal', message: error.message } };
  }
  return { event: kind, ...fields };
}

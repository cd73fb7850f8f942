// One line per proxy event for people on stderr (ARCHITECTURE rule 9). Verbose-only events
// (activations, refused SOCKS5 connections, usually scanners) return undefined unless -v.
import type { ProxyCounters, ProxyEvent } from '../session/proxy-events.js';
import { formatBytes, formatRate, printable, printableId } from './format.js';

export function describeProxyEvent(e: ProxyEvent, verbose: boolean): string | undefined {
  switch (e.kind) {
    case 'proxy-ready':
      return `Proxy ${e.jid} ready: SOCKS5 on ${e.listen}, advertised as ${e.streamhost.host}:${e.streamhost.port}`;
    case 'stream-activated':
      return verbose ? `Activated ${printable(e.requester)} → ${printable(e.target)} (sid ${printableId(e.sid)})` : undefined;
    case 'stream-closed': {
      const back = e.bytesBack > 0 ? `, ${formatBytes(e.bytesBack)} back` : '';
      const why = e.reason === 'end' ? '' : `; ended: ${printable(e.reason)}`;
      return `Relayed ${formatBytes(e.bytes)}${back} ${printable(e.requester)} → ${printable(e.target)} in ${e.seconds.toFixed(2)} s (${formatRate(e.bytes, e.seconds)})${why}`;
    }
    case 'activation-refused':
      return `Activation refused (${e.condition}): ${printable(e.requester)} → ${printable(e.target)} (sid ${printableId(e.sid)})`;
    case 'forbidden':
      return `Refused ${printable(e.requester)}: not allowed to use this proxy (${e.request})`;
    case 'connection-refused':
      return verbose ? `SOCKS5 connection from ${e.peer} refused: ${printable(e.reason)}` : undefined;
    case 'connection-expired':
      return `Closed SOCKS5 connection from ${e.peer}: not activated within ${e.seconds} s`;
    case 'counters':
      return describeCounters(e.counters);
    case 'component-lost':
      return `Lost the connection to the server (${printable(e.error.message)}); reconnecting in ${e.retrySeconds} s`;
    case 'component-online':
      return `Connected again as ${e.jid}`;
  }
}

function describeCounters(c: ProxyCounters): string {
  return (
    `Counters: ${c.connections} connections open (${c.waiting} waiting, ${c.active} streams relaying); ` +
    `${c.activated} activated, ${c.completed} completed, ${formatBytes(c.bytesRelayed)} relayed; ` +
    `refused ${c.refusedConnections} connections, ${c.forbidden} forbidden requests, ${c.failedActivations} activations; ${c.expired} expired`
  );
}

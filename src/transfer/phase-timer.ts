// Reports how long each phase of a use case took, as 'timing' events.
import type { EventSink } from '../session/events.js';

export function phaseTimer(onEvent: EventSink): (phase: string) => void {
  let last = performance.now();
  return (phase) => {
    const now = performance.now();
    onEvent({ kind: 'timing', phase, ms: Math.round((now - last) * 10) / 10 });
    last = now;
  };
}

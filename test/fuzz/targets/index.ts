// Every fuzz target, one per decoder, in the order reports list them.
import type { FuzzTarget } from '../engine.js';
import { bytestreamsTargets, ibbTargets } from './bytestreams-ibb.js';
import { configTargets } from './config.js';
import { discoTargets, errorTargets, siTargets } from './disco-si-error.js';
import { jidTargets } from './jid.js';
import { jingleTargets } from './jingle.js';
import { jingleTransportTargets } from './jingle-transports.js';
import { safeNameTargets } from './safe-name.js';
import { socks5Targets } from './socks5.js';

export const TARGETS: readonly FuzzTarget[] = [
  ...socks5Targets,
  ...bytestreamsTargets,
  ...ibbTargets,
  ...discoTargets,
  ...siTargets,
  ...errorTargets,
  ...jingleTargets,
  ...jingleTransportTargets,
  ...jidTargets,
  ...configTargets,
  ...safeNameTargets,
];

/** Targets whose name contains any of the comma-separated parts of `only` (all when it is empty). */
export function selectTargets(only: string | undefined): FuzzTarget[] {
  const parts = (only ?? '').split(',').filter(Boolean);
  return TARGETS.filter((t) => parts.length === 0 || parts.some((p) => t.name.includes(p)));
}

#!/usr/bin/env node
// The only place that exits: main() has cleaned up by the time it resolves. The CLI is one
// bundled file (scripts/bundle.ts, made by `npm run build`).
import { main } from '../dist/xep65.mjs';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    // Stack frames of the bundle, mapped back to the TypeScript sources (read lazily, here only).
    process.setSourceMapsEnabled(true);
    process.stderr.write(`xep65: internal error: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);

#!/usr/bin/env node
// The only place that exits: main() has cleaned up by the time it resolves.
import { main } from '../dist/src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`xep65: internal error: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);

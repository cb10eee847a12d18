#!/usr/bin/env node
// servo-sim: simulated servo controllers on pseudo-terminals (see --help and simulator/README.md).

import { runServoSim } from './run-servo-sim.js';

const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
  process.once('SIGINT', () => resolve('SIGINT'));
  process.once('SIGTERM', () => resolve('SIGTERM'));
});

const code = await runServoSim(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  stopRequested,
});
// stdin keeps the event loop alive; everything is closed, so leave now.
process.exit(code);

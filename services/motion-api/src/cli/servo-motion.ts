#!/usr/bin/env node
// servo-motion --config motion.yaml: the motion API as a process. See run.ts and the README.

import { runServoMotion } from './run.js';

const io = { out: (line: string) => console.log(line), err: (line: string) => console.error(line) };

try {
  const result = await runServoMotion(process.argv.slice(2), io);
  if (typeof result === 'number') {
    process.exitCode = result;
  } else {
    let signalled = false;
    const stop = (signal: NodeJS.Signals) => {
      if (signalled) return;
      signalled = true;
      io.err(`servo-motion: ${signal}, shutting down`);
      result.close().then(
        () => {
          process.exitCode = 0;
        },
        (error: unknown) => {
          io.err(`servo-motion: shutdown failed: ${(error as Error).message}`);
          process.exitCode = 1;
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
} catch (error) {
  io.err(`servo-motion: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
}

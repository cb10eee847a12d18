#!/usr/bin/env node
// The `servo-edge` executable: process I/O around main().

import { main } from './main.js';

const io = {
  out: (line: string) => process.stdout.write(`${line}\n`),
  err: (line: string) => process.stderr.write(`${line}\n`),
  env: process.env,
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`servo-edge: ${String(error)}\n`);
    process.exitCode = 1;
  },
);

// The registry of `servo-edge` subcommands. A new command is one file in this folder plus one line here.

import type { CliCommand } from '../cli-command.js';
import { createCheckConfigCommand } from './check-config.js';
import { createPortsCommand } from './ports.js';
import { createRunCommand } from './run.js';

export const COMMANDS: readonly CliCommand[] = [
  createCheckConfigCommand(),
  createPortsCommand(),
  createRunCommand(),
];

// `servo-edge` argument dispatch: a subcommand by name; bare options go to the `run` command once it exists.

import { readFileSync } from 'node:fs';
import { type CliCommand, type CliIo, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE } from './cli-command.js';
import { COMMANDS } from './commands/index.js';

/**
 * `servo-edge <command> [args]`. `servo-edge --config edge.yaml` (the systemd form) is routed to the
 * command named `run`, so adding the gateway's run path needs no change here.
 */
export async function main(
  argv: readonly string[],
  io: CliIo,
  commands: readonly CliCommand[] = COMMANDS,
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    printHelp(commands, first === undefined ? io.err : io.out);
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === '--version') {
    io.out(version());
    return EXIT_OK;
  }
  const byName = (name: string) => commands.find((command) => command.name === name);
  const command = first.startsWith('-') ? byName('run') : byName(first);
  if (!command) {
    io.err(`servo-edge: unknown command ${JSON.stringify(first)}  [EDGE_CLI_USAGE]`);
    printHelp(commands, io.err);
    return EXIT_USAGE;
  }
  try {
    return await command.run(first.startsWith('-') ? argv : rest, io);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    io.err(
      `servo-edge ${command.name}: ${(error as Error).message ?? String(error)}${typeof code === 'string' ? ` [${code}]` : ''}`,
    );
    return EXIT_PROBLEM;
  }
}

function printHelp(commands: readonly CliCommand[], write: (line: string) => void): void {
  write('usage: servo-edge <command> [args]');
  write('');
  const width = Math.max(...commands.map((command) => command.usage.length));
  for (const command of commands) write(`  ${command.usage.padEnd(width)}  ${command.summary}`);
  write('');
  write('  --help, --version');
}

function version(): string {
  try {
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

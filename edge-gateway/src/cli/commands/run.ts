// `servo-edge --config edge.yaml` (or `servo-edge run --config ...`): runs the gateway until SIGTERM/SIGINT.
// The first signal shuts down in order within the budget; a second one exits at once.

import { parseArgs } from 'node:util';
import { isConfigError } from '@servo-edge/common/config';
import { createLogger } from '@servo-edge/common/log';
import { formatProblems } from '../../config/format-problems.js';
import { loadConfigFile } from '../../config/load.js';
import { createGateway } from '../../gateway.js';
import { type CliCommand, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE } from '../cli-command.js';
import { type RunningSimControllers, startSimControllers } from '../sim-controllers.js';

/** SIGTERM to exit: systemd's TimeoutStopSec is a little longer. */
export const SHUTDOWN_BUDGET_MS = 5000;

export interface RunCommandOptions {
  /** Where signals come from (tests pass an emitter). */
  signals?: Pick<NodeJS.Process, 'once' | 'removeListener'>;
  /** Hard exit for the second signal or an overrun budget. */
  exit?: (code: number) => void;
}

export function createRunCommand(options: RunCommandOptions = {}): CliCommand {
  const signals = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  return {
    name: 'run',
    summary: 'Run the gateway: motion API, MQTT broker and the packaging line (until SIGTERM).',
    usage: 'run --config <file>   (or just: --config <file>)',
    async run(args, io) {
      let file: string | undefined;
      try {
        file = parseArgs({
          args: [...args],
          options: { config: { type: 'string', short: 'c' } },
          strict: true,
        }).values.config;
      } catch {
        file = undefined;
      }
      if (file === undefined) {
        io.err('usage: servo-edge --config <file>  [EDGE_CLI_USAGE]');
        return EXIT_USAGE;
      }
      const log = createLogger({
        name: 'servo-edge',
        level: io.env.SERVO_EDGE_LOG_LEVEL === 'debug' ? 'debug' : 'info',
      });
      let config: Awaited<ReturnType<typeof loadConfigFile>>;
      try {
        config = await loadConfigFile(file, { env: io.env });
      } catch (error) {
        if (!isConfigError(error)) throw error;
        // ConfigError's message lists the problems too; print them once, as file:line:col lines.
        for (const line of formatProblems(file, error.problems)) io.err(line);
        const what =
          error.code === 'CONFIG_UNREADABLE'
            ? `cannot read: ${(error.cause as Error | undefined)?.message ?? 'unknown reason'}`
            : `${error.problems.length} problem${error.problems.length === 1 ? '' : 's'}`;
        io.err(`${file}: ${what} [${error.code}]`);
        return EXIT_PROBLEM;
      }
      // sim:// controllers run in this process, each sized to the axes the config uses on it; the simulator
      // is loaded only then (sim-controllers.ts).
      let sims: RunningSimControllers | undefined;
      try {
        sims = await startSimControllers(config.motion);
      } catch (error) {
        io.err(
          `cannot start: ${(error as Error).message} [${(error as { code?: string }).code ?? 'EDGE_START_FAILED'}]`,
        );
        return EXIT_PROBLEM;
      }
      const gateway = createGateway(config, {
        ...(sims ? { simulatorBinding: sims.binding } : {}),
        logger: log,
      });
      try {
        await gateway.start();
      } catch (error) {
        io.err(
          `cannot start: ${(error as Error).message} [${(error as { code?: string }).code ?? 'EDGE_START_FAILED'}]`,
        );
        await sims?.close();
        return EXIT_PROBLEM;
      }
      io.out(`servo-edge running: http ${gateway.httpUrl()}, mqtt ${gateway.mqttUrl()}`);
      return new Promise<number>((resolve) => {
        const onSignal = (signal: string) => {
          signals.removeListener('SIGTERM', onSignal);
          signals.removeListener('SIGINT', onSignal);
          signals.once('SIGTERM', () => exit(EXIT_PROBLEM));
          signals.once('SIGINT', () => exit(EXIT_PROBLEM));
          log.info({ signal }, 'gateway.stopping');
          const overrun = setTimeout(() => {
            log.error({ budgetMs: SHUTDOWN_BUDGET_MS }, 'gateway.stop.overrun');
            exit(EXIT_PROBLEM);
          }, SHUTDOWN_BUDGET_MS);
          overrun.unref();
          gateway
            .close()
            .then(() => sims?.close())
            .then(() => {
              clearTimeout(overrun);
              log.info('gateway.stopped');
              resolve(EXIT_OK);
            });
        };
        signals.once('SIGTERM', onSignal);
        signals.once('SIGINT', onSignal);
      });
    },
  };
}

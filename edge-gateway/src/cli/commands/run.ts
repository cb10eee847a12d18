// `servo-edge --config edge.yaml` (or `servo-edge run --config ...`): runs the gateway until SIGTERM/SIGINT.
// The first signal shuts down in order within the budget; a second one exits at once.

import { parseArgs } from 'node:util';
import type { SerialBinding } from '@servo-edge/motion-api';
import { formatProblems } from '../../config/format-problems.js';
import { loadConfigFile } from '../../config/load.js';
import { validateMotionSection } from '../../config/motion-section.js';
import { isGatewayError } from '../../errors.js';
import { createGateway } from '../../gateway.js';
import { createJsonLogger } from '../../log.js';
import { type CliCommand, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE } from '../cli-command.js';

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
      const log = createJsonLogger({ level: io.env.SERVO_EDGE_LOG_LEVEL === 'debug' ? 'debug' : 'info' });
      let config: Awaited<ReturnType<typeof loadConfigFile>>;
      try {
        config = await loadConfigFile(file, { env: io.env, validateMotion: validateMotionSection });
      } catch (error) {
        if (isGatewayError(error) && error.problems.length > 0) {
          for (const line of formatProblems(file, error.problems)) io.err(line);
        }
        io.err(
          `${file}: ${(error as Error).message} [${isGatewayError(error) ? error.code : 'EDGE_CONFIG_INVALID'}]`,
        );
        return EXIT_PROBLEM;
      }
      // sim:// controllers run in this process, so a config can be tried without hardware. The simulator
      // is loaded only then: a plant on real serial ports does not pay for it in memory.
      const simPaths = (
        (config.motion.controllers ?? []) as { id: string; path: string; baud?: number }[]
      ).filter((c) => c.path.startsWith('sim://'));
      const controllers: { start(): Promise<void>; close(): Promise<void> }[] = [];
      let simulatorBinding: SerialBinding | undefined;
      if (simPaths.length > 0) {
        const { createSimulatorBinding, SimulatorRegistry } = await import('@servo-edge/simulator');
        const registry = new SimulatorRegistry();
        for (const c of simPaths) {
          controllers.push(
            registry.create({ id: c.path.slice('sim://'.length), ...(c.baud ? { baud: c.baud } : {}) }),
          );
        }
        simulatorBinding = createSimulatorBinding(registry);
      }
      for (const controller of controllers) await controller.start();
      const gateway = createGateway(config, {
        ...(simulatorBinding ? { simulatorBinding } : {}),
        logger: log,
      });
      try {
        await gateway.start();
      } catch (error) {
        io.err(
          `cannot start: ${(error as Error).message} [${(error as { code?: string }).code ?? 'EDGE_START_FAILED'}]`,
        );
        for (const controller of controllers) await controller.close();
        return EXIT_PROBLEM;
      }
      io.out(`servo-edge running: http ${gateway.httpUrl()}, mqtt ${gateway.mqttUrl()}`);
      return new Promise<number>((resolve) => {
        const onSignal = (signal: string) => {
          signals.removeListener('SIGTERM', onSignal);
          signals.removeListener('SIGINT', onSignal);
          signals.once('SIGTERM', () => exit(EXIT_PROBLEM));
          signals.once('SIGINT', () => exit(EXIT_PROBLEM));
          log.info('gateway.stopping', { signal });
          const overrun = setTimeout(() => {
            log.error('gateway.stop.overrun', { budgetMs: SHUTDOWN_BUDGET_MS });
            exit(EXIT_PROBLEM);
          }, SHUTDOWN_BUDGET_MS);
          overrun.unref();
          gateway
            .close()
            .then(() => Promise.all(controllers.map((c) => c.close())))
            .then(() => {
              clearTimeout(overrun);
              log.info('gateway.stopped', {});
              resolve(EXIT_OK);
            });
        };
        signals.once('SIGTERM', onSignal);
        signals.once('SIGINT', onSignal);
      });
    },
  };
}

// servo-motion's body, testable in-process: load the config, start the motion service on real serial
// ports and the HTTP server; stop them in reverse order on close(). Production code never depends on the
// simulator, so a sim:// controller is refused here with what to run instead (the gateway composes the
// simulator's binding; `servo-sim --pty` serves a simulated controller on a real pty).

import { parseArgs } from 'node:util';
import { ConfigError, type ConfigProblem, formatProblem, isConfigError } from '@servo-edge/common/config';
import { createLogger } from '@servo-edge/common/log';
import { isSimPath } from '@servo-edge/firmware-protocol';
import { loadMotionConfigFile } from '../config/load.js';
import type { MotionConfig } from '../config/schema.js';
import { buildApp } from '../http/app.js';
import { createMotionService } from '../motion/motion-service.js';

export const USAGE = `Usage: servo-motion --config <motion.yaml>

Runs the servo-edge motion API: opens a serial link to every configured controller and
serves the REST API. Controllers are serial ports; for a simulated one run
\`servo-sim --pty <path>\` and set the controller's path to <path> (or run the gateway,
\`servo-edge --config\`, whose motion section supports sim://<id> paths).

  -c, --config <file>  configuration file (YAML); see the motion-api README
  -h, --help           this text

Exit status: 0 after SIGINT/SIGTERM, 2 for a usage or configuration error, 1 otherwise.`;

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface RunningServer {
  /** http://host:port */
  url: string;
  /** Stops the HTTP server, then the links. Idempotent. */
  close(): Promise<void>;
}

/** Returns the running server, or an exit status when it should not keep running. */
export async function runServoMotion(argv: string[], io: CliIo): Promise<RunningServer | number> {
  let configPath: string | undefined;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    configPath = values.config;
  } catch (error) {
    io.err(`servo-motion: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!configPath) {
    io.err(`servo-motion: --config is required\n${USAGE}`);
    return 2;
  }
  let config: MotionConfig;
  try {
    config = await loadMotionConfigFile(configPath);
    const refused = simulatedControllers(config);
    if (refused.length > 0) throw new ConfigError('CONFIG_INVALID', refused, { source: configPath });
  } catch (error) {
    if (isConfigError(error)) {
      io.err(`servo-motion: ${configPath}: ${error.code}`);
      for (const problem of error.problems) io.err(formatProblem(problem));
      return 2;
    }
    throw error;
  }

  const log = createLogger({ level: config.logLevel, name: 'servo-motion' });
  const service = createMotionService(config, { log });
  const app = buildApp({ service, logger: log });
  service.subscribe((event) => {
    if (event.type === 'controller')
      log.info({ controller: event.controller, state: event.state }, 'motion.link.state');
  });
  await service.start();
  const url = await app.listen({ host: config.http.host, port: config.http.port });
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      // Shutdown order: stop taking requests, then close the links.
      closing ??= (async () => {
        await app.close();
        await service.close();
      })();
      return closing;
    },
  };
}

/**
 * sim:// paths need the simulator's binding, which only a composer that depends on the simulator can
 * give (the gateway, tests). servo-motion drives serial ports: each such controller is a problem with
 * what to run instead.
 */
function simulatedControllers(config: MotionConfig): ConfigProblem[] {
  return config.controllers.flatMap((controller, index) =>
    isSimPath(controller.path)
      ? [
          {
            code: 'CONFIG_BAD_VALUE' as const,
            path: `controllers[${index}].path`,
            message: `servo-motion drives serial ports; ${controller.path} is a simulated controller`,
            hint:
              `run \`servo-sim --pty /tmp/tty-${controller.id}\` and set this path to /tmp/tty-${controller.id}, ` +
              'or run the gateway (`servo-edge --config <file>`) with this in its motion section: it supports sim:// paths',
          },
        ]
      : [],
  );
}

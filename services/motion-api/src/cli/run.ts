// servo-motion's body, testable in-process: load the config, start simulated controllers for sim://
// paths, the motion service and the HTTP server; stop them in reverse order on close().

import { parseArgs } from 'node:util';
import { loadMotionConfigFile } from '../config/load.js';
import type { MotionConfig } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { buildApp } from '../http/app.js';
import { type SerialBinding, SIMULATOR_PATH_PREFIX } from '../link/serial-transport.js';
import { createMotionService } from '../motion/motion-service.js';

export const USAGE = `Usage: servo-motion --config <motion.yaml>

Runs the servo-edge motion API: opens a serial link to every configured controller
(sim://<id> paths run a simulated controller in this process) and serves the REST API.

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
  /** Stops the HTTP server, then the links, then the simulators. Idempotent. */
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
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`servo-motion: ${configPath}: ${error.code}`);
      for (const issue of error.issues) io.err(`  ${issue.path || '/'}: ${issue.message}`);
      return 2;
    }
    throw error;
  }

  const simulators = await startSimulators(config);
  const service = createMotionService(config, { simulatorBinding: simulators?.binding });
  const app = buildApp({ service });
  service.subscribe((event) => {
    if (event.type === 'controller')
      app.log.info({ controller: event.controller, state: event.state }, 'link state');
  });
  await service.start();
  const url = await app.listen({ host: config.http.host, port: config.http.port });
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      // Shutdown order: stop taking requests, then close the links, then the simulated devices.
      closing ??= (async () => {
        await app.close();
        await service.close();
        await simulators?.close();
      })();
      return closing;
    },
  };
}

async function startSimulators(
  config: MotionConfig,
): Promise<{ binding: SerialBinding; close(): Promise<void> } | undefined> {
  const simulated = config.controllers.filter((c) => c.path.startsWith(SIMULATOR_PATH_PREFIX));
  if (simulated.length === 0) return undefined;
  // Loaded only when needed: a deployment on real hardware never touches the simulator.
  const { SimulatorRegistry, createSimulatorBinding } = await import('@servo-edge/simulator');
  const registry = new SimulatorRegistry();
  for (const c of simulated) {
    const highestAxis = Math.max(0, ...config.axes.filter((a) => a.controller === c.id).map((a) => a.axis));
    const controller = registry.create({
      id: c.path.slice(SIMULATOR_PATH_PREFIX.length),
      axes: Math.max(4, highestAxis),
      baud: c.baud,
    });
    await controller.start();
  }
  return {
    binding: createSimulatorBinding(registry) as unknown as SerialBinding,
    close: () => registry.closeAll(),
  };
}

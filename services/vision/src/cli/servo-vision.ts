#!/usr/bin/env node
// `servo-vision --config vision.yaml`: loads the config, runs the service until SIGINT / SIGTERM.

import { parseArgs } from 'node:util';
import { isConfigError } from '@servo-edge/common/config';
import { loadConfig } from '../config.js';
import { createVisionService } from '../service.js';
import { createVisionLogger } from '../vision-logger.js';

const USAGE = `usage: servo-vision --config <vision.yaml>

Label-check microservice: reads camera frames and a recipe over MQTT, publishes verdicts.
The MQTT password may be given in SERVO_VISION_MQTT_PASSWORD instead of the file.
`;

async function main(): Promise<number> {
  let configPath: string | undefined;
  try {
    const { values } = parseArgs({
      options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    configPath = values.config;
  } catch {
    process.stderr.write(USAGE);
    return 2;
  }
  if (configPath === undefined) {
    process.stderr.write(USAGE);
    return 2;
  }

  const bootLog = createVisionLogger('info');
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig(configPath);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    // One line per problem, each with its CONFIG_* code, dotted path and line: greppable, and the
    // message never quotes a value (it may be a secret).
    bootLog.error({ file: configPath, code: error.code, problems: error.problems.length }, 'config.invalid');
    for (const problem of error.problems) bootLog.error({ file: configPath, ...problem }, 'config.problem');
    return 1;
  }

  const log = createVisionLogger(config.log.level);
  const service = createVisionService({ config, log });
  const stop = () => {
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'service.close_failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await service.start();
  } catch (err) {
    log.error({ err }, 'service.start_failed');
    await service.close();
    return 1;
  }
  // Keep running; the signal handlers end the process.
  return new Promise<number>(() => undefined);
}

main().then(
  (exitCode) => process.exit(exitCode),
  (error: unknown) => {
    process.stderr.write(`servo-vision: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);

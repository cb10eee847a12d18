#!/usr/bin/env node
// `servo-vision --config vision.yaml`: loads the config, runs the service until SIGINT / SIGTERM.

import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { isVisionError } from '../errors.js';
import { createJsonLogger } from '../log.js';
import { createVisionService } from '../service.js';

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

  const bootLog = createJsonLogger();
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig(configPath);
  } catch (error) {
    bootLog.error('config.invalid', {
      file: configPath,
      code: isVisionError(error) ? error.code : 'PARSE_FAILED',
      path: isVisionError(error) ? error.path : undefined,
      message: error instanceof Error ? error.message : String(error),
    });
    return 1;
  }

  const log = createJsonLogger({ level: config.log.level });
  const service = createVisionService({ config, log });
  const stop = () => {
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('service.close_failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await service.start();
  } catch (error) {
    log.error('service.start_failed', { error });
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

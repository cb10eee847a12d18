#!/usr/bin/env node
// `npm start`: the packaging-line demo on the embedded defaults. Ctrl-C stops it cleanly; a second Ctrl-C forces exit.

import { createLogger } from '@servo-edge/common/log';
import { startDemo } from '../demo/demo-stack.js';

const SHUTDOWN_BUDGET_MS = 5000;

async function main(): Promise<void> {
  process.stdout.write(
    'servo-edge demo: starting simulated controllers, gateway, broker, vision and the line...\n',
  );
  const logger = createLogger({
    name: 'servo-edge-demo',
    level: process.env.SERVO_EDGE_LOG_LEVEL === 'debug' ? 'debug' : 'warn',
  });
  const stack = await startDemo({ env: process.env, logger, visionOutput: 'ignore' });
  const { gateway, keys } = stack;
  process.stdout.write(
    [
      '',
      `  Dashboard and REST API  ${gateway.httpUrl()}   (OpenAPI: /openapi.json, Swagger UI: /docs)`,
      `  Admin API key           ${keys.admin}`,
      `  MQTT                    ${gateway.mqttUrl()}   (WebSocket: ${gateway.mqttWsUrl() ?? '-'}; user "admin", password = the admin key)`,
      `  Line                    ${gateway.line.state}, ${stack.config.line.rates.productsPerMin} products/min`,
      '',
      '  The e-stop in this software is a software stop, not an emergency-stop circuit.',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    process.stdout.write(`${signal}: stopping...\n`);
    const force = setTimeout(() => {
      process.stderr.write(`not stopped within ${SHUTDOWN_BUDGET_MS} ms: exiting\n`);
      process.exit(1);
    }, SHUTDOWN_BUDGET_MS);
    force.unref();
    stack.stop().then(
      () => {
        const summary = stack.virtualLine.summary();
        process.stdout.write(
          `stopped. produced ${summary.produced}, rejected ${summary.rejected}, missed defects ${summary.missedDefectIds.length}, false rejects ${summary.falseRejectIds.length}\n`,
        );
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(`servo-edge demo failed to start: ${(error as Error).message ?? String(error)}\n`);
  process.exit(1);
});

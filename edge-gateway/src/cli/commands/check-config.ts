// `servo-edge check-config <file>`: validates a config and lists every problem; exit 0 valid, 1 not.

import { isConfigError } from '@servo-edge/common/config';
import { formatProblems } from '../../config/format-problems.js';
import { checkConfigText, readConfigFile } from '../../config/load.js';
import type { GatewayConfig } from '../../config/types.js';
import { type CliCommand, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE } from '../cli-command.js';

/** The `motion` section is checked too: its schema and checks are the motion API's, embedded in the gateway's. */
export function createCheckConfigCommand(): CliCommand {
  return {
    name: 'check-config',
    summary: 'Validate a config file and list every problem (exit 0 valid, 1 invalid).',
    usage: 'check-config <file>',
    async run(args, io) {
      const [file, ...extra] = args;
      if (file === undefined || extra.length > 0) {
        io.err('usage: servo-edge check-config <file>  [EDGE_CLI_USAGE]');
        return EXIT_USAGE;
      }
      let text: string;
      try {
        text = await readConfigFile(file);
      } catch (error) {
        io.err(
          `${file}: cannot read: ${(error as { cause?: Error }).cause?.message ?? String(error)} [${isConfigError(error) ? error.code : 'CONFIG_UNREADABLE'}]`,
        );
        return EXIT_PROBLEM;
      }
      const result = checkConfigText(text, { env: io.env });
      if (!result.ok) {
        for (const line of formatProblems(file, result.problems)) io.err(line);
        io.err(
          `${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'} [CONFIG_INVALID]`,
        );
        return EXIT_PROBLEM;
      }
      io.out(`${file}: ok`);
      for (const line of summarize(result.value)) io.out(`  ${line}`);
      return EXIT_OK;
    },
  };
}

/** A few lines on what the config means; never a secret. */
function summarize(config: GatewayConfig): string[] {
  const roles = config.auth.keys.map((key) => `${key.name} (${key.role}, from ${key.source})`);
  const mqtt =
    config.mqtt.mode === 'embedded'
      ? `embedded broker on ${config.mqtt.host}, tcp ${config.mqtt.portTcp}, ws ${config.mqtt.portWs}`
      : `external broker ${config.mqtt.url}${config.mqtt.username ? ` as ${config.mqtt.username}` : ''}`;
  return [
    `http: ${config.http.host}:${config.http.port}`,
    `mqtt: ${mqtt}, topics under ${config.topicPrefix}/`,
    config.auth.devModeNoAuth ? 'auth: DISABLED (devModeNoAuth, loopback only)' : `auth: ${roles.join(', ')}`,
    config.line === undefined
      ? 'line: none (axes, broker and dashboard only)'
      : `line: ${config.line.name}, camera at ${config.line.stations.cameraMm} mm, reject at ${config.line.stations.rejectMm} mm`,
  ];
}

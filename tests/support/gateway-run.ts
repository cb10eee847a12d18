// `servo-edge --config <file>` in this process, as the systemd unit runs it but on port 0 and with a
// signal source the test owns: what a cross-package test needs to bring the whole gateway up from a file.

import { EventEmitter } from 'node:events';
import { type CliIo, createRunCommand } from '@servo-edge/edge-gateway';

/** Every port the gateway opens, from the environment overrides: 0, so the OS picks. */
export const PORT_ZERO_ENV = {
  SERVO_EDGE_PORT: '0',
  SERVO_EDGE_MQTT_PORT: '0',
  SERVO_EDGE_MQTT_WS_PORT: '0',
} as const;

export interface RunningGateway {
  httpUrl: string;
  mqttUrl: string;
  /** What the command printed, stdout and stderr interleaved. */
  output: readonly string[];
  /** Sends SIGTERM; resolves with the command's exit code once it has shut down. */
  stop(): Promise<number>;
  /** Exit codes the command forced (a second signal, an overrun budget); empty after a clean stop. */
  forcedExits: readonly number[];
}

/** Runs the command until it prints its `servo-edge running` line; rejects with its output if it exits first. */
export async function runGateway(
  configFile: string,
  env: Readonly<Record<string, string>>,
): Promise<RunningGateway> {
  const output: string[] = [];
  const forcedExits: number[] = [];
  const signals = new EventEmitter();
  let announce: (line: string) => void = () => {};
  const announced = new Promise<string>((resolve) => {
    announce = resolve;
  });
  const io: CliIo = {
    out(line) {
      output.push(line);
      if (line.startsWith('servo-edge running: ')) announce(line);
    },
    err: (line) => output.push(line),
    env: { ...PORT_ZERO_ENV, SERVO_EDGE_LOG_LEVEL: 'error', ...env },
  };
  const command = createRunCommand({
    signals: signals as unknown as Pick<NodeJS.Process, 'once' | 'removeListener'>,
    exit: (code) => forcedExits.push(code),
  });
  const exited = command.run(['--config', configFile], io);
  const line = await Promise.race([
    announced,
    exited.then((code) => Promise.reject(new Error(`servo-edge exited ${code}:\n${output.join('\n')}`))),
  ]);
  const urls = /^servo-edge running: http (\S+), mqtt (\S+)$/.exec(line);
  if (!urls) throw new Error(`unexpected start line: ${line}`);
  return {
    httpUrl: urls[1]!,
    mqttUrl: urls[2]!,
    output,
    forcedExits,
    stop() {
      signals.emit('SIGTERM');
      return exited;
    },
  };
}

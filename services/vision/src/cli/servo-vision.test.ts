// The CLI as a process: usage, config errors by code and path, and a clean run against aedes.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REGISTER_SOURCE_HOOKS_PATH } from '@servo-edge/common/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAedes, type TestBroker } from '../test-support/aedes-broker.js';
import { collectText } from '../test-support/mqtt-collector.js';

const cli = fileURLToPath(new URL('./servo-vision.ts', import.meta.url));

let dir: string;
let broker: TestBroker;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'servo-vision-cli-'));
  broker = await startAedes();
});

afterAll(async () => {
  await broker.close();
  await rm(dir, { recursive: true, force: true });
});

function startCli(args: string[], env: Record<string, string> = {}) {
  // Runs the TypeScript entry directly: workspace packages from their sources (the `source` export
  // condition), and the same transpile hooks the decode workers use.
  const nodeArgs = ['--conditions=source', '--import', REGISTER_SOURCE_HOOKS_PATH, cli, ...args];
  const child = spawn(process.execPath, nodeArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = once(child, 'exit').then(([code]) => code as number);
  return { child, exited, output: () => ({ stdout, stderr }) };
}

function logLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('servo-vision CLI', () => {
  it('prints usage with --help and exits 0; exits 2 without --config', async () => {
    const help = startCli(['--help']);
    const bare = startCli([]);
    expect(await help.exited).toBe(0);
    expect(help.output().stdout).toContain('--config');
    expect(await bare.exited).toBe(2);
  });

  it('exits 1 on a config typo, naming the code and the path', async () => {
    const file = join(dir, 'typo.yaml');
    await writeFile(file, 'mqtt:\n  url: mqtt://127.0.0.1:1\n  pasword: x\n');
    const run = startCli(['--config', file]);
    expect(await run.exited).toBe(1);
    const lines = logLines(run.output().stderr);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'config.invalid', code: 'CONFIG_INVALID' }));
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'config.problem',
        code: 'CONFIG_UNKNOWN_KEY',
        path: 'mqtt.pasword',
        line: 3,
      }),
    );
  });

  it('runs against a broker, goes offline on SIGTERM, and never logs the password', async () => {
    const file = join(dir, 'vision.yaml');
    await writeFile(
      file,
      `line: cli\ninstance: vision-cli\nmqtt:\n  url: ${broker.url}\n  protocolVersion: 4\n  username: vision\ninspection:\n  workers: 1\n`,
    );
    const status = await collectText(broker.url, 'servo-edge/cli/vision/vision-cli/status');
    let run: { child: ChildProcess; exited: Promise<number>; output: () => { stderr: string } } | undefined;
    try {
      run = startCli(['--config', file], { SERVO_VISION_MQTT_PASSWORD: 'cli-secret-pw' });
      await status.until((m) => m.at(-1) === 'online');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect((await status.until((m) => m.at(-1) === 'offline')).at(-1)).toBe('offline');
      const { stderr } = run.output();
      expect(logLines(stderr).map((l) => l['msg'])).toEqual(
        expect.arrayContaining(['service.started', 'service.closed']),
      );
      expect(stderr).not.toContain('cli-secret-pw');
    } finally {
      if (run && run.child.exitCode === null) run.child.kill('SIGKILL');
      await status.close();
    }
  });
});

// The main README's "Your first servo in 15 minutes", done as a new user would, for each controller: the
// README's own commands and config, run as written. `servo-sim` (the real CLI, from its source) serves the
// simulated device on a pty at the README's link, renamed into a temporary directory; the README's config,
// written for the real device's /dev/serial/by-id path, gets that link as its path, HTTP port 0, and the
// digest of the key the README's own commands made; nothing else changes (the broker's ports, which the
// config leaves at their defaults, are 0 through the documented SERVO_EDGE_MQTT_* overrides). The gateway
// (`servo-edge`, the real CLI, in its own process) runs on it with no packaging line, and the README's curl
// commands enable the axis and move it; the move must be done and the position the device reports must be
// the one asked for. Needs socat, curl, openssl and sha256sum.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REGISTER_SOURCE_HOOKS_PATH, socatSkipReason } from '@servo-edge/common/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { argumentsOf, fencedBlocks, mainReadme, section, shellCommands } from './support/readme-blocks.js';

const run = promisify(execFile);

const SERVO_SIM = fileURLToPath(new URL('../../simulator/src/cli/servo-sim.ts', import.meta.url));
const SERVO_EDGE = fileURLToPath(new URL('../../edge-gateway/src/cli/servo-edge.ts', import.meta.url));
/** The README's placeholder for the digest of the reader's key. */
const DIGEST_PLACEHOLDER = 'PASTE-THE-DIGEST-OF-YOUR-KEY-HERE';
/** How long a child may take to start on a loaded machine (it compiles its TypeScript first), ms. */
const START_MS = 60_000;
/** Between two readiness polls of the running gateway, ms (a real process: real time). */
const POLL_MS = 100;

/** Why this test cannot run here: socat, or a command the README uses, is missing. */
function missingTool(): string | undefined {
  const socat = socatSkipReason();
  if (socat) return socat;
  const dirs = (process.env.PATH ?? '').split(':');
  const absent = ['curl', 'openssl', 'sha256sum'].find(
    (tool) => !dirs.some((d) => existsSync(join(d, tool))),
  );
  return absent === undefined ? undefined : `${absent} is not installed`;
}

/** A child process and everything it printed (stdout and stderr, in arrival order). */
interface Running {
  child: ChildProcess;
  /** Resolves with the first match of `pattern` in the output so far or to come; rejects if the child exits or `timeoutMs` passes. */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** A CLI of this repository run from its TypeScript source, as `npx <name>` runs its build. */
function cli(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Running {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', REGISTER_SOURCE_HOOKS_PATH, script, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let text = '';
  let exited = false;
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const check of [...waiters]) check();
  };
  // The logger writes to stdout, warnings and usage to stderr: either may carry the line.
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    changed();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    changed();
  });
  child.once('exit', () => {
    exited = true;
    changed();
  });
  return {
    child,
    waitFor(pattern, what, timeoutMs = START_MS) {
      return new Promise((resolve, reject) => {
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        const check = () => {
          const match = text.match(pattern);
          if (match) {
            finish();
            resolve(match);
          } else if (exited) {
            finish();
            reject(new Error(`${what}: the process exited first:\n${text}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${what}: not seen in ${timeoutMs} ms:\n${text}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * The environment the gateway runs in: the test's own, without any SERVO_EDGE_* variable (an admin key or a
 * port from the machine must not change what the README's config means), and the broker on free ports.
 */
function gatewayEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SERVO_EDGE_')),
  );
  return { ...env, SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' };
}

/** Polls the gateway's readiness (unauthenticated) until its controller's link is up. */
async function untilReady(base: string): Promise<void> {
  const deadline = Date.now() + START_MS;
  let last = '';
  while (Date.now() < deadline) {
    const response = await fetch(`${base}/readyz`).catch((error: Error) => error);
    if (!(response instanceof Error)) {
      last = await response.text();
      if (response.status === 200) return;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`the gateway was not ready in ${START_MS} ms: ${last}`);
}

/** A shell command of the README, with `env` added to the environment; its stdout. */
async function sh(command: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run('sh', ['-c', command], { env: { ...process.env, ...env }, timeout: 30_000 });
  return stdout;
}

interface Controller {
  heading: string;
  /** The axis the README's commands move. */
  axis: string;
}

const CONTROLLERS: Controller[] = [
  { heading: '### Pololu Maestro', axis: 'pan' },
  { heading: '### ROBOTIS Dynamixel', axis: 'shoulder' },
];

const skip = missingTool();

describe.skipIf(skip !== undefined)('README "Your first servo in 15 minutes"', () => {
  const children: Running[] = [];
  let dir: string | undefined;
  afterEach(async () => {
    for (const running of children.splice(0).reverse()) await stop(running.child);
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it.each(CONTROLLERS)(
    '$heading: the README config and commands move the servo on servo-sim',
    async ({ heading, axis }) => {
      const text = section(section(mainReadme(), '## Your first servo in 15 minutes'), heading);
      const commands = shellCommands(text);
      const yaml = fencedBlocks(text).filter((block) => block.lang === 'yaml');
      expect(yaml).toHaveLength(1);
      const config = yaml[0]!.body;
      // The config is the real device's: only its path is changed for the simulator.
      expect(config).toMatch(/^\s*path: \/dev\/serial\/by-id\/usb-\S+$/m);
      dir = await mkdtemp(join(tmpdir(), 'first-servo-'));

      // 1. servo-sim as the README runs it, its link moved into the temporary directory.
      const simArgs = argumentsOf(commands, 'servo-sim');
      const linkAt = simArgs.indexOf('--pty') + 1;
      expect(linkAt).toBeGreaterThan(0);
      const link = join(dir, simArgs[linkAt]!.replace(/^.*\//, ''));
      simArgs[linkAt] = link;
      const sim = cli(SERVO_SIM, simArgs);
      children.push(sim);
      await sim.waitFor(/^READY /m, 'servo-sim READY');

      // 2. The key and its digest, made by the README's own commands.
      const makeKey = commands.find((c) => c.startsWith('KEY=$(openssl'));
      const digestOf = commands.find((c) => c.includes('sha256sum'));
      expect(makeKey && digestOf).toBeTruthy();
      const key = (await sh(`${makeKey}`)).trim().split('\n').pop()!;
      expect(key).toMatch(/^[0-9a-f]{48}$/);
      const digest = (await sh(digestOf!, { KEY: key })).trim().split(/\s+/)[0]!;
      expect(digest).toMatch(/^[0-9a-f]{64}$/);

      // 3. The README's config with the pty's path, port 0 and the digest; the gateway as it runs it.
      //    The config is the gateway's: the controller and axis under `motion:`, and no packaging line.
      expect(config).toContain(DIGEST_PLACEHOLDER);
      expect(config).toMatch(/^motion:$/m);
      expect(config).not.toMatch(/^line:/m);
      const file = join(dir, 'edge.yaml');
      await writeFile(
        file,
        config
          .replace(/^(\s*path: ).*$/m, `$1${link}`)
          .replace('port: 8080', 'port: 0')
          .replace(DIGEST_PLACEHOLDER, digest),
      );
      const gatewayArgs = argumentsOf(commands, 'servo-edge');
      expect(gatewayArgs).toEqual(['--config', 'edge.yaml']);
      const gateway = cli(SERVO_EDGE, ['--config', file], gatewayEnv());
      children.push(gateway);
      const [, base] = await gateway.waitFor(
        /^servo-edge running: http (http:\/\/[0-9.]+:\d+), mqtt /m,
        'servo-edge running',
      );
      await untilReady(base!);

      // 4. The README's curl commands, at the port the server took.
      const curls = commands
        .filter((c) => c.startsWith('curl'))
        .map((c) => c.replaceAll('localhost:8080', base!.replace('http://', '')));
      expect(curls).toHaveLength(3);
      const [enable, move, read] = curls as [string, string, string];
      const asked = JSON.parse(move.match(/-d '([^']+)'/)![1]!) as { position: number };
      await sh(enable, { KEY: key });
      const moved = JSON.parse(await sh(move, { KEY: key })) as { status: string };
      expect(moved.status).toBe('done');
      const state = JSON.parse(await sh(read, { KEY: key })) as { name: string; position: number };
      expect(state.name).toBe(axis);
      // The position is the device's own reading (Get Position / Present Position), in user units.
      expect(state.position).toBeCloseTo(asked.position, 0);
    },
    4 * START_MS,
  );
});

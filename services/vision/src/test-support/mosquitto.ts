// Starts Debian's mosquitto on a free port with a generated config (and password file) in a temp dir.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];

export function findMosquitto(): { broker: string; passwd: string } | undefined {
  for (const broker of CANDIDATES) {
    if (!existsSync(broker)) continue;
    for (const dir of ['/usr/bin', '/usr/local/bin', '/usr/sbin']) {
      const passwd = join(dir, 'mosquitto_passwd');
      if (existsSync(passwd)) return { broker, passwd };
    }
  }
  return undefined;
}

/**
 * Why the Mosquitto suite cannot run here, or undefined when it can. In CI the binary must be
 * there (.ci/run installs it), so CI never skips: a missing binary fails the suite instead.
 */
export function mosquittoSkipReason(): string | undefined {
  if (findMosquitto() || process.env['CI']) return undefined;
  return 'mosquitto not installed (apt-get install mosquitto); runs in CI';
}

export interface MosquittoBroker {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** A free TCP port: listen on 0, note it, close. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise<void>((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(new Error(`mosquitto exited with code ${child.exitCode}`));
        return;
      }
      const socket = tcpConnect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error('mosquitto did not open its port'));
        // Polling a port that is about to open; each retry is a fresh connect attempt, not a sleep.
        else setImmediate(attempt);
      });
    };
    attempt();
  });
}

export async function startMosquitto(
  options: { users?: Record<string, string> } = {},
): Promise<MosquittoBroker> {
  const binaries = findMosquitto();
  if (!binaries) throw new Error('mosquitto is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'servo-vision-mosquitto-'));
  // The port can be taken between freePort() and mosquitto's bind; retry a few times then.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const lines = [
      `listener ${port} 127.0.0.1`,
      // Started as root, mosquitto would switch to user "mosquitto", which cannot read our 0700
      // temp dir; naming the current user keeps it as is (and is ignored when not root).
      `user ${userInfo().username}`,
      'persistence false',
      'log_dest stderr',
      'log_type error',
    ];
    if (options.users) {
      const passwordFile = join(dir, 'passwd');
      let first = true;
      for (const [user, password] of Object.entries(options.users)) {
        // -b: password on the command line (test only); -c: create the file for the first user.
        execFileSync(binaries.passwd, [...(first ? ['-c'] : []), '-b', passwordFile, user, password]);
        first = false;
      }
      lines.push('allow_anonymous false', `password_file ${passwordFile}`);
    } else {
      lines.push('allow_anonymous true');
    }
    const configFile = join(dir, 'mosquitto.conf');
    await writeFile(configFile, `${lines.join('\n')}\n`);
    const child = spawn(binaries.broker, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await waitForPort(port, child, 10_000);
    } catch (error) {
      child.kill('SIGKILL');
      if (attempt < 3) continue;
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return {
      url: `mqtt://127.0.0.1:${port}`,
      port,
      async close() {
        if (child.exitCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGTERM');
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
}

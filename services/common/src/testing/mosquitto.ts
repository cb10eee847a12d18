// Starts Debian's mosquitto on a free port with a generated config and password file in a temp dir.

import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const BROKERS = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'];
const PASSWD_TOOLS = [
  '/usr/bin/mosquitto_passwd',
  '/usr/local/bin/mosquitto_passwd',
  '/usr/sbin/mosquitto_passwd',
];

function findBinaries(): { broker: string; passwd: string } | undefined {
  const broker = BROKERS.find((path) => existsSync(path));
  const passwd = PASSWD_TOOLS.find((path) => existsSync(path));
  return broker && passwd ? { broker, passwd } : undefined;
}

/** Why the suite cannot run, or undefined. In CI (.ci/run installs mosquitto) it never skips: a missing binary fails. */
export function mosquittoSkipReason(): string | undefined {
  if (findBinaries() || process.env['CI']) return undefined;
  return 'mosquitto not installed here (apt-get update && apt-get install -y mosquitto); CI runs it';
}

export interface Mosquitto {
  url: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once mosquitto logs "running" (after its listener is open); rejects if it exits first. */
async function launch(broker: string, configFile: string) {
  const child = spawn(broker, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`mosquitto did not start: ${log}`)), 10_000);
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/ running/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mosquitto exited with ${code}: ${log}`));
    });
  });
  return child;
}

export async function startMosquitto(users: Record<string, string>): Promise<Mosquitto> {
  const binaries = findBinaries();
  if (!binaries) throw new Error('mosquitto is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'servo-edge-mosquitto-'));
  const passwordFile = join(dir, 'passwd');
  Object.entries(users).forEach(([user, password], index) => {
    // -b takes the password on the command line: acceptable for throwaway test users only.
    execFileSync(binaries.passwd, [...(index === 0 ? ['-c'] : []), '-b', passwordFile, user, password]);
  });
  // The port can be taken between freePort() and mosquitto's bind: retry a few times.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const configFile = join(dir, 'mosquitto.conf');
    const lines = [
      `listener ${port} 127.0.0.1`,
      // As root, mosquitto would drop to user "mosquitto", which cannot read this 0700 temp dir.
      `user ${userInfo().username}`,
      'persistence false',
      'allow_anonymous false',
      `password_file ${passwordFile}`,
      'log_dest stderr',
      'log_type error',
      'log_type notice',
      // "running" (printed once the listener is open) is an information-level line.
      'log_type information',
    ];
    await writeFile(configFile, `${lines.join('\n')}\n`);
    try {
      const child = await launch(binaries.broker, configFile);
      return {
        url: `mqtt://127.0.0.1:${port}`,
        async close() {
          if (child.exitCode === null) {
            const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
            child.kill('SIGTERM');
            await exited;
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

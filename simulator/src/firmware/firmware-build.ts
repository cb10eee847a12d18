// Where the reference firmware and its simavr harness are built (firmware-protocol/firmware, `make`),
// whether this machine can build them, and building them on demand for tests and servo-sim.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** firmware-protocol/firmware: the Makefile, the C sources, build/. */
export const FIRMWARE_DIR = fileURLToPath(new URL('../../../firmware-protocol/firmware/', import.meta.url));
/** The ATmega2560 ELF that `make all` writes. */
export const FIRMWARE_ELF_PATH = `${FIRMWARE_DIR}build/servo-edge.elf`;
/** The simavr harness that `make harness` writes. */
export const FIRMWARE_HARNESS_PATH = `${FIRMWARE_DIR}build/servo-edge-harness`;

/** The Debian packages the firmware build and the harness need (README "Building"). */
const TOOLCHAIN = [
  { what: 'avr-gcc (gcc-avr, avr-libc)', present: () => !spawnSync('avr-gcc', ['--version']).error },
  { what: 'make', present: () => !spawnSync('make', ['--version']).error },
  { what: 'libsimavr-dev', present: () => existsSync('/usr/include/simavr/sim_avr.h') },
  {
    what: 'libelf-dev',
    present: () => existsSync('/usr/include/libelf.h') || existsSync('/usr/include/libelf/libelf.h'),
  },
];

/**
 * Why the firmware cannot be built and run here, or undefined. In CI (CI=true) the toolchain is
 * installed by .ci/run, so a missing one is a failure there, not a skip (as socatSkipReason does).
 */
export function firmwareSkipReason(): string | undefined {
  const missing = TOOLCHAIN.filter((tool) => !tool.present()).map((tool) => tool.what);
  if (missing.length === 0 || process.env['CI'] === 'true') return undefined;
  return `the firmware toolchain is missing: ${missing.join(', ')} (apt-get install gcc-avr avr-libc libsimavr-dev libelf-dev simavr)`;
}

/** A lock directory, so test files in parallel workers never run make on one build directory at once. */
const LOCK_PATH = `${FIRMWARE_DIR}build/.make-lock`;
/** A lock older than this was left by a process that died: builds take well under it. */
const STALE_LOCK_MS = 5 * 60_000;

async function withBuildLock<T>(body: () => Promise<T>): Promise<T> {
  await mkdir(`${FIRMWARE_DIR}build`, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(LOCK_PATH);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = Date.now() - (await stat(LOCK_PATH).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (since > STALE_LOCK_MS) await rmdir(LOCK_PATH).catch(() => {});
      if (attempt > 2000) throw new Error(`the firmware build lock ${LOCK_PATH} was held too long`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    return await body();
  } finally {
    await rmdir(LOCK_PATH).catch(() => {});
  }
}

function make(args: string[]): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn('make', ['-C', FIRMWARE_DIR, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`make -C ${FIRMWARE_DIR} ${args.join(' ')} exited ${code}:\n${output.slice(-4000)}`),
        );
    });
  });
}

/**
 * Runs `make all harness` in the firmware directory (a no-op when everything is up to date) and
 * resolves once the ELF and the harness exist. Rejects with make's output if the build fails.
 */
export function buildFirmware(): Promise<void> {
  return withBuildLock(() => make(['all', 'harness']));
}

/**
 * Builds a variant of the firmware with these compile-time settings (core/config.h: SE_AXES,
 * SE_QUEUE_DEPTH, SE_MAX_PROTOCOL, SE_HOME_*, SE_AXIS_OUTPUTS, SE_FW_VERSION, SE_RX_BYTES,
 * SE_WINDOW_FRAMES) into a directory of its own, named by the settings, and resolves with its ELF. The
 * harness is the default build's (buildFirmware). Values must not contain a single quote.
 */
export async function buildFirmwareVariant(defines: Record<string, string | number>): Promise<string> {
  const flags = Object.entries(defines)
    .sort(([a], [b]) => a.localeCompare(b))
    // Single-quoted for make's /bin/sh: values hold braces, commas and double quotes.
    .map(([name, value]) => `'-D${name}=${value}'`)
    .join(' ');
  const key = createHash('sha256').update(flags).digest('hex').slice(0, 12);
  const dir = `build/variant-${key}`;
  await withBuildLock(() => make([`BUILD=${dir}`, `FIRMWARE_DEFINES=${flags}`, 'all']));
  return `${FIRMWARE_DIR}${dir}/servo-edge.elf`;
}

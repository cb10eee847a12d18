// Measures the reference firmware in simavr for `npm run bench`: its longest main-loop pass (from the
// heartbeat pin) and its reply latency over the pty while axes move, beside the protocol's 50 ms bound
// (§Device rule 4); and its flash and RAM use beside the ATmega2560's (from avr-size).

import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoDetect } from '@serialport/bindings-cpp';
import { SerialPortStream } from '@serialport/stream';
import { systemClock } from '@servo-edge/common/clock';
import { createSessionDriver, DEVICE_REPLY_BUDGET_MS, HostSession } from '@servo-edge/firmware-protocol';
import { buildFirmware, FIRMWARE_ELF_PATH, firmwareSkipReason } from './firmware-build.js';
import { createFirmwareDevice } from './firmware-device.js';

export const ATMEGA2560_FLASH_BYTES = 262_144;
export const ATMEGA2560_RAM_BYTES = 8192;

export interface FirmwareMemory {
  flashBytes: number;
  /** Static RAM: .data + .bss; the rest of the 8 KiB is stack. */
  ramBytes: number;
}

/** Flash (.text + .data) and static RAM (.data + .bss) of the ELF, by avr-size. */
export function firmwareMemory(elfPath = FIRMWARE_ELF_PATH): FirmwareMemory {
  const run = spawnSync('avr-size', ['-A', elfPath], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`avr-size -A ${elfPath}: ${run.stderr || run.error?.message}`);
  const section = (name: string) =>
    Number(new RegExp(`^\\${name}\\s+(\\d+)`, 'm').exec(run.stdout)?.[1] ?? 0);
  return {
    flashBytes: section('.text') + section('.data'),
    ramBytes: section('.data') + section('.bss'),
  };
}

export interface FirmwareBenchResult extends FirmwareMemory {
  /** The longest main-loop pass the harness saw, µs of simulated time. */
  loopMaxUs: number;
  /** GET round trips over the pty while three axes move, ms of wall time (wire time included). */
  replyLatencyMs: { p50: number; max: number; count: number };
  /** How far the simulation lagged the wall clock during the run, µs (0 when it kept up). */
  lateTotalUs: number;
  budgetMs: number;
}

/** Boots the firmware in simavr, moves axes 1-3 and sends `requests` GETs one after another. */
export async function measureFirmware(requests = 200): Promise<FirmwareBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'servo-edge-fw-bench-'));
  const device = createFirmwareDevice({ linkPath: join(dir, 'ttyFW'), homeSwitchCounts: -2000 });
  try {
    const path = await device.start();
    const port = new SerialPortStream({ binding: autoDetect(), path, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    const session = new HostSession({
      clock: systemClock,
      write: (bytes) => port.write(bytes),
      maxProtocol: 2,
    });
    const driver = createSessionDriver(session, systemClock);
    port.on('data', (chunk: Buffer) => {
      session.receive(chunk);
      driver.poke();
    });
    port.on('error', () => {});
    // A request wakes the driver, which times the session's retransmissions and heartbeat.
    const request: HostSession['request'] = (verb, args) => {
      const reply = session.request(verb, args);
      driver.poke();
      return reply;
    };
    try {
      await session.start();
      for (const axis of [1, 2, 3]) await request('ENABLE', { axis });
      await request('MOVE', { axis: 1, pos: 20000, vel: 10000, acc: 20000 });
      await request('MOVE', { axis: 2, pos: -20000, vel: 10000, acc: 20000 });
      await request('MOVE', { axis: 3, pos: 400, vel: 200, acc: 2000 });
      const latencies: number[] = [];
      for (let i = 0; i < requests; i++) {
        const started = performance.now();
        await request('GET', { axis: 1 + (i % 3) });
        latencies.push(performance.now() - started);
      }
      latencies.sort((a, b) => a - b);
      const stats = await device.stats();
      return {
        ...firmwareMemory(),
        loopMaxUs: stats.loopMaxUs,
        lateTotalUs: stats.lateTotalUs,
        replyLatencyMs: {
          p50: latencies[Math.floor(latencies.length / 2)]!,
          max: latencies.at(-1)!,
          count: latencies.length,
        },
        budgetMs: DEVICE_REPLY_BUDGET_MS,
      };
    } finally {
      driver.stop();
      session.close();
      if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    }
  } finally {
    await device.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The lines `npm run bench` prints. */
export function formatFirmwareBench(result: FirmwareBenchResult): string {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  return [
    `firmware main loop (simavr): longest pass ${(result.loopMaxUs / 1000).toFixed(2)} ms (bound ${result.budgetMs} ms)`,
    `firmware reply latency over the pty: p50 ${result.replyLatencyMs.p50.toFixed(1)} ms, max ${result.replyLatencyMs.max.toFixed(1)} ms over ${result.replyLatencyMs.count} GETs while moving (bound ${result.budgetMs} ms; includes wire time and the host)`,
    `firmware flash ${kib(result.flashBytes)} of ${kib(ATMEGA2560_FLASH_BYTES)}, static RAM ${kib(result.ramBytes)} of ${kib(ATMEGA2560_RAM_BYTES)}`,
    ...(result.lateTotalUs > 0
      ? [
          `(simavr lagged the wall clock by ${(result.lateTotalUs / 1000).toFixed(0)} ms in all on this machine: reply times include that)`,
        ]
      : []),
  ].join('\n');
}

/** The `firmware` suite of `npm run bench`: builds if needed, measures, prints; says why if it cannot run. */
export async function runFirmwareBench(requests = 200): Promise<void> {
  console.log('\n## firmware (ATmega2560 in simavr)');
  const skip = firmwareSkipReason();
  if (skip) {
    console.log(`skipped: ${skip}`);
    return;
  }
  await buildFirmware();
  console.log(formatFirmwareBench(await measureFirmware(requests)));
}

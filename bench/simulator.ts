// Simulator benchmark: with pacing at 115200 baud, how much of the wire's byte rate a host reaches
// when it pipelines PINGs (HostSession's window), beside stop-and-wait measured in the same run.
// Real time, through the in-process serialport binding and a SerialPortStream, as the gateway runs.

import { SerialPortStream } from '@serialport/stream';
import { systemClock } from '@servo-edge/common/clock';
import { BITS_PER_UART_BYTE, createSessionDriver, HostSession } from '@servo-edge/firmware-protocol';
import { createSimulatorBinding, SimulatorRegistry } from '@servo-edge/simulator';
import { figure, heading } from './report.js';

const BAUD = 115_200;
const WIRE_BYTES_PER_S = BAUD / BITS_PER_UART_BYTE;

interface Run {
  /** Host -> device bytes per second while the requests ran (the busier direction). */
  bytesPerS: number;
  framesPerS: number;
}

/** Opens a fresh paced controller and a HostSession over SerialPortStream; runs `body`; closes. */
async function withHost<T>(protocol: 1 | 2, body: (host: HostSession) => Promise<T>): Promise<T> {
  const registry = new SimulatorRegistry();
  const controller = registry.create({
    id: 'bench',
    baud: BAUD,
    pacing: true,
    watchdogDefaultMs: 60_000,
    protocol,
  });
  await controller.start();
  const port = new SerialPortStream({
    binding: createSimulatorBinding(registry),
    path: controller.path,
    baudRate: BAUD,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const host = new HostSession({
    clock: systemClock,
    write: (bytes) => port.write(bytes),
    heartbeat: false,
    baud: BAUD,
    maxProtocol: protocol,
  });
  const driver = createSessionDriver(host, systemClock);
  port.on('data', (chunk: Buffer) => {
    host.receive(chunk);
    driver.poke();
  });
  try {
    await host.start();
    return await body(host);
  } finally {
    driver.stop();
    host.close();
    await new Promise<void>((resolve) => port.close(() => resolve()));
    await registry.closeAll();
  }
}

/** `count` PINGs; `depth` of them outstanding at once (1 = stop-and-wait). */
async function pings(count: number, depth: number, protocol: 1 | 2 = 1): Promise<Run> {
  return withHost(protocol, async (host) => {
    const bytesBefore = host.stats.bytesOut;
    const t0 = performance.now();
    let sent = 0;
    const lane = async () => {
      while (sent < count) {
        sent++;
        const reply = await host.request('PING', {});
        if (!reply.ok) throw new Error(`PING answered ERR ${reply.code}`);
      }
    };
    await Promise.all(Array.from({ length: depth }, lane));
    const seconds = (performance.now() - t0) / 1000;
    return { bytesPerS: (host.stats.bytesOut - bytesBefore) / seconds, framesPerS: count / seconds };
  });
}

/** The run with the median byte rate. */
async function medianRun(repeats: number, run: () => Promise<Run>): Promise<Run> {
  const runs: Run[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await run());
  runs.sort((a, b) => a.bytesPerS - b.bytesPerS);
  return runs[Math.floor(runs.length / 2)]!;
}

export async function runSimulatorBench(): Promise<void> {
  heading('simulator (paced at 115200 baud, in-process binding + SerialPortStream)');
  // Stop-and-wait: one PING out, wait for its OK, next. Pipelined: keep HostSession's window full.
  const stopAndWait = await medianRun(3, () => pings(300, 1));
  const pipelined = await medianRun(3, () => pings(1500, 64));
  const pct = (run: Run) => (100 * run.bytesPerS) / WIRE_BYTES_PER_S;
  figure('host pipelining PINGs, host->device', pct(pipelined), '% of wire', {
    name: 'stop-and-wait',
    value: pct(stopAndWait),
  });
  figure('  the same in frames/s', pipelined.framesPerS, 'frames/s', {
    name: 'stop-and-wait',
    value: stopAndWait.framesPerS,
  });
  // Protocol v2 (issue #12): the same pipelined PINGs in a v2 session against a v1 session, same run.
  const v2 = await medianRun(3, () => pings(1500, 64, 2));
  figure('v2 session pipelining PINGs, host->device', pct(v2), '% of wire', {
    name: 'v1 session',
    value: pct(pipelined),
  });
}

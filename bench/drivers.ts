// Driver benchmarks (issue #13), each figure beside the servo-edge driver's from the same run. Every
// device is the simulator's model behind its in-process binding, with the bytes paced at the link's baud
// rate (the simulator's wire), so the figures include the wire time a real line would add; the host
// side is the real motion service, REST app (over HTTP, port 0) and driver.
//
// (1) POST /axes/:name/move -> motion start: from the request leaving the client to the device model
//     holding the new target (servo-edge: GET's tgt= after the MOVE ran; Maestro: the channel's target
//     after Set Target, User's Guide §5.e; Dynamixel: Goal Position (116) after the Write, e-Manual
//     X-series control table), p50 and p95 over one move at a time on a quiet line. servo-edge at 115200
//     baud, the Maestro's USB Command Port paced at 115200 (the simulator's default: a USB CDC port has
//     no baud rate of its own, §5.a), a Dynamixel bus at 1 Mbps.
// (2) Telemetry per axis on a 1 Mbps Dynamixel bus of 4 and 8 servos: what the bus carries with one
//     Sync Read (0x82) of the telemetry block for every servo against one Read (0x02) per servo (a bare
//     host loop on the driver's codec: the next question as soon as the last answer is in), and the
//     position updates per axis the motion API sees from the Dynamixel driver at streamHz 200 with every
//     servo moving; beside the servo-edge driver's updates per axis at streamHz 200 over 115200 baud
//     with as many axes moving.

import { silentLogger } from '@servo-edge/common/log';
import {
  buildApp,
  createMotionService,
  createSerialTransportFactory,
  type MotionService,
  parseMotionConfig,
  type SerialBinding,
} from '@servo-edge/motion-api';
import { dynamixel } from '@servo-edge/motion-api/drivers';
import { conveyorAxis, dynamixelAxis, hobbyServoAxis } from '@servo-edge/motion-api/testing';
import {
  type AnySimulatedLink,
  createDynamixelLink,
  createMaestroLink,
  createSimulatorBinding,
  SimulatorRegistry,
} from '@servo-edge/simulator';
import { figure, heading, percentile } from './report.js';

const KEY = 'bench-operator-key-0123456789';
const SERVO_EDGE_BAUD = 115_200;
const MAESTRO_BAUD = 115_200;
const DYNAMIXEL_BAUD = 1_000_000;
const MOVES = 100;
/** Not counted: JIT and connection set-up. */
const WARM_UP_MOVES = 10;
const BUS_SIZES = [4, 8] as const;
/** How long each telemetry figure is measured, ms. */
const TELEMETRY_WINDOW_MS = 1500;
/** The Dynamixel telemetry block the driver reads: Goal Position (116) .. Present Position (132..135). */
const TELEMETRY_ADDRESS = dynamixel.X_SERIES_CONTROL_TABLE.goalPosition.address;
const TELEMETRY_LENGTH =
  dynamixel.X_SERIES_CONTROL_TABLE.presentPosition.address +
  dynamixel.X_SERIES_CONTROL_TABLE.presentPosition.size -
  TELEMETRY_ADDRESS;

type Driver = 'servo-edge' | 'maestro' | 'dynamixel';

/** Yields to the event loop until `condition` holds, bounded by `maxMs` of real time: no sleeping. */
async function until(condition: () => boolean, what: string, maxMs = 10_000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > maxMs) throw new Error(`bench: gave up waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A motion service and its REST app (listening on port 0) over the simulator links in `registry`. */
interface Rig {
  service: MotionService;
  base: string;
  close(): Promise<void>;
}

async function startRig(registry: SimulatorRegistry, raw: Record<string, unknown>): Promise<Rig> {
  const config = parseMotionConfig({
    auth: {
      keys: [{ id: 'bench', key: KEY, role: 'operator' }],
      rateLimit: { maxRequests: 1_000_000, windowMs: 1000 },
    },
    logLevel: 'silent',
    ...raw,
  });
  const service = createMotionService(config, {
    simulatorBinding: createSimulatorBinding(registry) as unknown as SerialBinding,
  });
  await service.start();
  if (!(await service.whenReady(10_000))) throw new Error('bench: a simulated device did not come up');
  const app = buildApp({ service, logger: silentLogger });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    service,
    base,
    async close() {
      await app.close();
      await service.close();
    },
  };
}

async function withLink<L extends AnySimulatedLink, T>(
  link: L,
  run: (registry: SimulatorRegistry, link: L) => Promise<T>,
): Promise<T> {
  const registry = new SimulatorRegistry();
  registry.add(link);
  await link.start();
  try {
    return await run(registry, link);
  } finally {
    await registry.closeAll();
  }
}

/** One device of the latency figure: its config, and what the model says its target is now. */
interface LatencySubject {
  driver: Driver;
  axis: string;
  /** Two positions in user units, moved between in turn. */
  positions: readonly [number, number];
  /** The model's target now, in the driver's counts. */
  deviceTarget(): number;
  /** The counts the model holds once it took the move to `position`. */
  countsOf(position: number): number;
}

export async function runDriversBench(): Promise<void> {
  heading('drivers (issue #13)');
  const latency = new Map<Driver, number[]>();
  latency.set('servo-edge', await servoEdgeLatency());
  latency.set('maestro', await maestroLatency());
  latency.set('dynamixel', await dynamixelLatency());
  const se = latency.get('servo-edge')!;
  for (const driver of ['servo-edge', 'maestro', 'dynamixel'] as const) {
    const ms = latency.get(driver)!;
    for (const p of [50, 95])
      figure(`POST move -> motion start, ${driver}, p${p}`, percentile(ms, p), 'ms', {
        name: `servo-edge p${p}`,
        value: percentile(se, p),
      });
  }
  for (const servos of BUS_SIZES) {
    const baseline = {
      name: `servo-edge driver, ${servos} axes @ 115200`,
      value: await servoEdgeTelemetry(servos),
    };
    const unit = 'Hz/axis';
    figure(
      `Dynamixel Sync Read, ${servos} servos @ 1M (bus)`,
      await busTelemetry(servos, 'sync'),
      unit,
      baseline,
    );
    figure(
      `Dynamixel per-servo Read, ${servos} servos @ 1M (bus)`,
      await busTelemetry(servos, 'each'),
      unit,
      baseline,
    );
    figure(
      `Dynamixel driver updates, ${servos} servos @ 1M`,
      await dynamixelDriverTelemetry(servos),
      unit,
      baseline,
    );
  }
}

// ---- (1) REST move -> motion start ----

async function measureLatency(rig: Rig, subject: LatencySubject): Promise<number[]> {
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const latenciesMs: number[] = [];
  for (let i = -WARM_UP_MOVES; i < MOVES; i++) {
    const position = subject.positions[Math.abs(i) % 2]!;
    const expected = subject.countsOf(position);
    let startedAtMs: number | undefined;
    // The device model is watched on every turn of the event loop while the request is in flight.
    const watching = until(() => {
      if (subject.deviceTarget() !== expected) return false;
      startedAtMs = performance.now();
      return true;
    }, `${subject.driver}: the move to reach the device`);
    const t0 = performance.now();
    const response = await fetch(`${rig.base}/api/v1/axes/${subject.axis}/move`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ position }),
    });
    const body = (await response.json()) as { moveId: string };
    if (response.status !== 202) throw new Error(`bench: ${subject.driver} move answered ${response.status}`);
    await watching;
    if (i >= 0) latenciesMs.push(startedAtMs! - t0);
    // One move at a time on a quiet line: the previous move done, nothing waiting for an answer.
    await until(
      () => rig.service.getMove(body.moveId).status === 'done',
      `${subject.driver}: the move to finish`,
    );
    await until(() => rig.service.controllers()[0]!.pendingRequests === 0, `${subject.driver}: a quiet line`);
  }
  return latenciesMs;
}

async function servoEdgeLatency(): Promise<number[]> {
  const registry = new SimulatorRegistry();
  const controller = registry.create({
    id: 'bench-se',
    axes: 1,
    baud: SERVO_EDGE_BAUD,
    watchdogDefaultMs: 60_000,
  });
  await controller.start();
  try {
    const rig = await startRig(registry, {
      // No telemetry stream: the line carries only what is measured.
      controllers: [{ id: 'ctrl1', path: controller.path, baud: SERVO_EDGE_BAUD, streamHz: 0 }],
      axes: [conveyorAxis('ctrl1')],
    });
    try {
      await rig.service.enable('conveyor');
      return await measureLatency(rig, {
        driver: 'servo-edge',
        axis: 'conveyor',
        positions: [0.01, 0],
        deviceTarget: () => controller.axis(1).targetCounts,
        countsOf: (mm) => Math.round(mm * 100),
      });
    } finally {
      await rig.close();
    }
  } finally {
    await registry.closeAll();
  }
}

async function maestroLatency(): Promise<number[]> {
  const link = createMaestroLink({ id: 'bench-maestro', baud: MAESTRO_BAUD, channels: 6 });
  return withLink(link, async (registry) => {
    const rig = await startRig(registry, {
      controllers: [
        { id: 'servos', driver: 'maestro', path: link.path, maestro: { channels: 6 }, streamHz: 0 },
      ],
      axes: [hobbyServoAxis('servos', 0)],
    });
    try {
      await rig.service.enable('servo0');
      return await measureLatency(rig, {
        driver: 'maestro',
        axis: 'servo0',
        positions: [1, 0],
        deviceTarget: () => link.maestro.channel(0).targetQuarterUs,
        countsOf: (deg) => Math.round(6000 + (deg * 2000) / 90),
      });
    } finally {
      await rig.close();
    }
  });
}

async function dynamixelLatency(): Promise<number[]> {
  const link = createDynamixelLink({
    id: 'bench-dxl',
    baud: DYNAMIXEL_BAUD,
    servos: [{ id: 1, model: 'XM430-W350' }],
  });
  return withLink(link, async (registry) => {
    const rig = await startRig(registry, {
      controllers: [{ id: 'bus', driver: 'dynamixel', path: link.path, baud: DYNAMIXEL_BAUD, streamHz: 0 }],
      axes: [dynamixelAxis('bus', 1, 'XM430-W350')],
    });
    try {
      await rig.service.enable('dxl1');
      return await measureLatency(rig, {
        driver: 'dynamixel',
        axis: 'dxl1',
        positions: [1, 0],
        deviceTarget: () => link.bus.servo(1).goalPositionPulses,
        countsOf: (deg) => Math.round(2048 + (deg * 4096) / 360),
      });
    } finally {
      await rig.close();
    }
  });
}

// ---- (2) telemetry per axis ----

/** Position updates per axis per second the service publishes while every axis moves. */
async function updatesPerAxis(rig: Rig, axes: readonly string[]): Promise<number> {
  const counts = new Map(axes.map((name) => [name, 0]));
  const unsubscribe = rig.service.subscribe((event) => {
    if (event.type === 'axis' && counts.has(event.axis)) counts.set(event.axis, counts.get(event.axis)! + 1);
  });
  const start = performance.now();
  await until(() => performance.now() - start >= TELEMETRY_WINDOW_MS, 'the telemetry window');
  const elapsedS = (performance.now() - start) / 1000;
  unsubscribe();
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return total / axes.length / elapsedS;
}

async function servoEdgeTelemetry(axisCount: number): Promise<number> {
  const registry = new SimulatorRegistry();
  const controller = registry.create({
    id: `bench-se${axisCount}`,
    axes: axisCount,
    baud: SERVO_EDGE_BAUD,
    // The bench measures telemetry, not a loaded machine's stalls: a watchdog that does not trip on them.
    watchdogDefaultMs: 60_000,
  });
  await controller.start();
  try {
    const names = Array.from({ length: axisCount }, (_, i) => `a${i + 1}`);
    const rig = await startRig(registry, {
      controllers: [{ id: 'ctrl1', path: controller.path, baud: SERVO_EDGE_BAUD, streamHz: 200 }],
      axes: names.map((name, i) => conveyorAxis('ctrl1', { name, axis: i + 1 })),
    });
    try {
      for (const name of names) await rig.service.enable(name);
      // Long moves (8 m at 2 m/s): every sample in the window finds the axes somewhere new.
      for (const name of names) await rig.service.move(name, { position: 8000 });
      return await updatesPerAxis(rig, names);
    } finally {
      await rig.close();
    }
  } finally {
    await registry.closeAll();
  }
}

function busOf(servos: number) {
  return createDynamixelLink({
    id: `bench-bus${servos}`,
    baud: DYNAMIXEL_BAUD,
    servos: Array.from({ length: servos }, (_, i) => ({ id: i + 1, model: 'XM430-W350' as const })),
  });
}

async function dynamixelDriverTelemetry(servos: number): Promise<number> {
  const link = busOf(servos);
  return withLink(link, async (registry) => {
    const ids = Array.from({ length: servos }, (_, i) => i + 1);
    const rig = await startRig(registry, {
      controllers: [{ id: 'bus', driver: 'dynamixel', path: link.path, baud: DYNAMIXEL_BAUD, streamHz: 200 }],
      axes: ids.map((id) => dynamixelAxis('bus', id, 'XM430-W350')),
    });
    try {
      for (const id of ids) await rig.service.enable(`dxl${id}`);
      // 0 -> 170 deg at 90 deg/s: about two seconds of motion, every sample somewhere new.
      for (const id of ids) await rig.service.move(`dxl${id}`, { position: 170, velocity: 90 });
      return await updatesPerAxis(
        rig,
        ids.map((id) => `dxl${id}`),
      );
    } finally {
      await rig.close();
    }
  });
}

/**
 * What the bus carries: the telemetry block of every servo, asked again as soon as the last answer is in,
 * with one Sync Read for all (`sync`) or one Read per servo (`each`). Samples per servo per second.
 */
async function busTelemetry(servos: number, how: 'sync' | 'each'): Promise<number> {
  const link = busOf(servos);
  return withLink(link, async (registry) => {
    const transports = createSerialTransportFactory({
      simulatorBinding: createSimulatorBinding(registry) as unknown as SerialBinding,
    });
    const ids = Array.from({ length: servos }, (_, i) => i + 1);
    const parser = new dynamixel.DynamixelPacketParser();
    let awaited = 0;
    let samples = 0;
    let next = 0;
    const transport = await transports.open(
      { path: link.path, baud: DYNAMIXEL_BAUD },
      {
        onData: (chunk) =>
          parser.push(chunk, (item) => {
            if (item.kind !== 'packet') return;
            samples++;
            awaited--;
          }),
        onClose: () => {},
      },
    );
    const ask = () => {
      if (how === 'sync') {
        awaited = servos;
        transport.write(
          dynamixel.encodeInstruction({
            instruction: 'syncRead',
            address: TELEMETRY_ADDRESS,
            length: TELEMETRY_LENGTH,
            ids,
          }),
        );
      } else {
        awaited = 1;
        const id = ids[next++ % servos]!;
        transport.write(
          dynamixel.encodeInstruction({
            instruction: 'read',
            id,
            address: TELEMETRY_ADDRESS,
            length: TELEMETRY_LENGTH,
          }),
        );
      }
    };
    try {
      const start = performance.now();
      ask();
      while (performance.now() - start < TELEMETRY_WINDOW_MS) {
        await until(() => awaited <= 0, `the ${how} answers`, 1000);
        ask();
      }
      const elapsedS = (performance.now() - start) / 1000;
      const counted = samples;
      // The last question's answers, so nothing is left on the line when the port closes.
      await until(() => awaited <= 0, 'the last answers', 1000);
      return counted / servos / elapsedS;
    } finally {
      await transport.close();
    }
  });
}

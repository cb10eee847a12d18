// The gateway soak, run as its own process by gateway.ts. The gateway is the real `servo-edge` binary in
// a process of its own, started with the node options of the systemd unit (deploy/servo-edge.service).
// It drives this process's simulated plant over pseudo-terminals (socat), as it would drive controllers
// on USB serial adapters, so its resident memory holds nothing of the simulator, the label renderer or
// the camera. The vision service is a third process. Prints, beside baselines from the same run:
//  - camera -> verdict (delivered by the broker) and camera -> reject stroke, against the belt's travel;
//  - the gateway's resident memory 5 s after the line starts and after BENCH_SOAK_MIN (default 10)
//    minutes at 600/min, and its growth between the first and second half of the run.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createJsonLogger, parseConfigText } from '@servo-edge/edge-gateway';
import {
  type CameraClients,
  connectClient,
  createDemoCamera,
  createDemoControllers,
  createDemoLine,
  demoConfigSource,
  demoKeys,
  startVisionProcess,
  stopChild,
  visionSelfTest,
} from '@servo-edge/edge-gateway/demo';
import { systemClock } from '@servo-edge/common/clock';
import { createPtyServer, SimulatorRegistry } from '@servo-edge/simulator';
import { figure, percentile } from './report.js';

const PRODUCTS_PER_MIN = 600;
const PORTS = { SERVO_EDGE_PORT: '0', SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' };
const UNIT_FILE = new URL('../../edge-gateway/deploy/servo-edge.service', import.meta.url);
const GATEWAY_BIN = fileURLToPath(new URL('../../edge-gateway/bin/servo-edge.js', import.meta.url));

/** What a Pi runs: the unit's Environment= lines and the node options of its ExecStart. */
async function unitProcessSettings(): Promise<{ env: Record<string, string>; nodeOptions: string[] }> {
  const lines = (await readFile(UNIT_FILE, 'utf8')).split('\n');
  const env: Record<string, string> = {};
  for (const line of lines.filter((l) => l.startsWith('Environment='))) {
    const assignment = line.slice('Environment='.length).trim();
    const eq = assignment.indexOf('=');
    env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
  }
  const execStart = lines.find((line) => line.startsWith('ExecStart='));
  if (!execStart) throw new Error('servo-edge.service has no ExecStart');
  const words = execStart.slice('ExecStart='.length).trim().split(/\s+/);
  const script = words.findIndex((w) => w.endsWith('.js'));
  return { env, nodeOptions: words.slice(1, script) };
}

function rssMbOf(pid: number): number {
  // Linux, like the Pi: VmRSS in kB.
  const status = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' }).stdout;
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** CPU seconds (user + system) the process has used: /proc/<pid>/stat fields 14 and 15, in clock ticks. */
function cpuSecondsOf(pid: number): number {
  const stat = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout;
  // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerS;
}

async function waitMs(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await waitMs(100);
  }
}

/** Starts `servo-edge --config file` and resolves with its URLs once it prints that it runs. */
async function startGateway(
  file: string,
  env: Record<string, string | undefined>,
): Promise<{ child: ChildProcess; httpUrl: string; mqttUrl: string }> {
  const unit = await unitProcessSettings();
  // BENCH_GATEWAY_NODE_OPTIONS tries other options than the unit's (space-separated).
  const override = process.env.BENCH_GATEWAY_NODE_OPTIONS;
  const nodeOptions = override === undefined ? unit.nodeOptions : override.split(/\s+/).filter(Boolean);
  const unitEnv = Object.entries(unit.env).map(([k, v]) => `${k}=${v}`);
  console.log(
    `  gateway: ${[...unitEnv, 'node', ...nodeOptions, 'servo-edge', '--config', '<file>'].join(' ')}`,
  );
  const child = spawn(process.execPath, [...nodeOptions, GATEWAY_BIN, '--config', file], {
    env: { ...process.env, ...unit.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its errors are shown; the rest of its log would drown the figures.
  createInterface({ input: child.stderr! }).on('line', (line) => {
    if (line.includes('"level":"error"')) console.log(`  gateway log: ${line}`);
  });
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gateway did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code} before it ran`)));
    lines.on('line', (line) => {
      const running = /^servo-edge running: http (\S+), mqtt (\S+)$/.exec(line);
      if (running) {
        clearTimeout(timer);
        resolve({ child, httpUrl: running[1]!, mqttUrl: running[2]! });
      }
    });
  });
}

async function soak(): Promise<void> {
  if (spawnSync('socat', ['-V']).status !== 0) {
    console.log('  soak skipped: it needs socat (Debian package socat) for the pseudo-terminals');
    return;
  }
  const soakMin = Number(process.env.BENCH_SOAK_MIN ?? 10);
  const keys = demoKeys();
  const dir = await mkdtemp(join(tmpdir(), 'servo-edge-soak-'));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    const registry = new SimulatorRegistry();
    const controllers = createDemoControllers(registry);
    const controllerPaths = Object.fromEntries(controllers.map((c) => [c.id, join(dir, c.id)]));
    const source = await demoConfigSource(
      { env: PORTS, productsPerMin: PRODUCTS_PER_MIN, controllerPaths },
      keys,
    );
    const config = parseConfigText(source.yamlText, { env: source.env });
    const clients: CameraClients = {};
    const camera = createDemoCamera(config, 5, clients);
    await camera.render();

    for (const controller of controllers) {
      await controller.start();
      cleanups.push(() => controller.close());
      const pty = createPtyServer(controller, { linkPath: controllerPaths[controller.id]! });
      await pty.start();
      cleanups.push(() => pty.close());
    }
    const file = join(dir, 'edge.yaml');
    await writeFile(file, source.yamlText);
    const gateway = await startGateway(file, source.env);
    cleanups.push(async () => {
      const t0 = Date.now();
      await stopChild(gateway.child, 10_000);
      figure('gateway SIGTERM -> exit, line running', Date.now() - t0, 'ms', { name: 'budget', value: 5000 });
    });
    const api = async (path: string, body?: unknown) => {
      const response = await fetch(`${gateway.httpUrl}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${keys.admin}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    const lineState = async () =>
      (await api('/api/v1/line')).json as { state: string; visionOnline: boolean };
    await until('controller links ready', 15_000, async () => (await api('/readyz')).status === 200);

    const vision = await startVisionProcess({
      config,
      mqttUrl: gateway.mqttUrl,
      protocolVersion: 4,
      keys,
      workers: Math.min(2, availableParallelism()),
      dir,
      output: 'ignore',
    });
    cleanups.push(vision.stop);
    await until('vision online', 30_000, async () => (await lineState()).visionOnline);

    clients.camera = await connectClient(gateway.mqttUrl, 'camera', keys.camera, 4);
    cleanups.push(() => clients.camera!.endAsync());
    clients.operator = await connectClient(gateway.mqttUrl, 'operator', keys.operator, 4);
    cleanups.push(() => clients.operator!.endAsync());
    // Verdict arrival at a subscriber of the broker, on the virtual line's clock.
    const verdictAtMs = new Map<string, number>();
    clients.operator.on('message', (_topic, payload) => {
      const productId = (JSON.parse(payload.toString()) as { productId?: unknown }).productId;
      if (typeof productId === 'string') verdictAtMs.set(productId, systemClock.monotonicMs());
    });
    await clients.operator.subscribeAsync(`${config.topicPrefix}/inspection`, { qos: 1 });
    await camera.publishRecipe();
    await visionSelfTest(camera, () => verdictAtMs.size);

    const [ctrlA] = controllers;
    const virtualLine = createDemoLine({
      config,
      controller: ctrlA!,
      camera,
      defectRate: 0.05,
      seed: 5,
      log: createJsonLogger({ level: 'warn' }),
    });
    virtualLine.start();
    cleanups.push(async () => virtualLine.close());
    // A reject stroke starts when the arm leaves home; sampled as often as the line samples it.
    const strokeStartsMs: number[] = [];
    let armWasHome = true;
    const strokeSampler = setInterval(() => {
      const home = ctrlA!.axis(2).positionCounts < 100;
      if (armWasHome && !home) strokeStartsMs.push(systemClock.monotonicMs());
      armWasHome = home;
    }, 1);
    cleanups.push(async () => clearInterval(strokeSampler));

    for (const command of ['Reset', 'Start']) {
      const target = command === 'Reset' ? 'Idle' : 'Execute';
      const reply = await api('/api/v1/line/command', { command });
      if (reply.status >= 300)
        throw new Error(`${command}: HTTP ${reply.status} ${JSON.stringify(reply.json)}`);
      await until(`line ${target}`, 30_000, async () => (await lineState()).state === target);
    }

    const pid = gateway.child.pid!;
    await waitMs(5000);
    const atStartMb = rssMbOf(pid);
    const cpuAtStartS = cpuSecondsOf(pid);
    const soakStartedMs = Date.now();
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(rssMbOf(pid)), 10_000);
    await waitMs(soakMin * 60_000);
    clearInterval(sampler);
    const afterMb = rssMbOf(pid);
    const cpuPercent = ((cpuSecondsOf(pid) - cpuAtStartS) / ((Date.now() - soakStartedMs) / 1000)) * 100;

    const { cameraMm, rejectMm } = config.line.stations;
    const beltMmPerS = (PRODUCTS_PER_MIN * config.line.productSpacingMm) / 60;
    const travel = {
      name: 'belt travel camera -> reject',
      value: ((rejectMm - cameraMm) / beltMmPerS) * 1000,
    };
    const products = [...virtualLine.rejected, ...virtualLine.passed];
    const cameraToVerdict = products
      .map((p) => (verdictAtMs.get(p.id) ?? Number.NaN) - (p.capturedAtMs ?? Number.NaN))
      .filter(Number.isFinite);
    // The stroke that binned a product is the last one that started before it landed in the bin.
    const cameraToStroke = virtualLine.rejected
      .map((p) => {
        const stroke = strokeStartsMs.filter((t) => t <= (p.binnedAtMs ?? 0)).at(-1) ?? Number.NaN;
        return stroke - (p.capturedAtMs ?? Number.NaN);
      })
      .filter(Number.isFinite);
    figure('camera -> verdict at a subscriber, p50', percentile(cameraToVerdict, 50), 'ms', travel);
    figure('camera -> verdict at a subscriber, p99', percentile(cameraToVerdict, 99), 'ms', travel);
    figure('camera -> reject stroke starts, p99', percentile(cameraToStroke, 99), 'ms', travel);
    const summary = virtualLine.summary();
    console.log(
      `  soak: ${summary.produced} products, ${summary.missedDefectIds.length} missed, ${summary.falseRejectIds.length} false rejects, ${cameraToStroke.length} strokes timed`,
    );
    figure('gateway CPU at 600/min, % of one core', cpuPercent, '%');
    const goal = { name: 'goal', value: 90 };
    figure('gateway RSS 5 s after the line started', atStartMb, 'MB', goal);
    figure(`gateway RSS after ${soakMin} min at 600/min`, afterMb, 'MB', goal);
    if (samples.length > 2) {
      const half = Math.floor(samples.length / 2);
      const growth = percentile(samples.slice(half), 50) - percentile(samples.slice(0, half), 50);
      figure('gateway RSS growth, 2nd half vs 1st half (medians)', growth, 'MB');
      console.log(`  RSS samples (MB, every 10 s): ${samples.map((s) => s.toFixed(0)).join(' ')}`);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

await soak();
process.exit(0);

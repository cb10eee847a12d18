// The gateway soak, run as its own process by gateway.ts. The gateway is the real `servo-edge` binary in
// a process of its own, started with the node options of the systemd unit (deploy/servo-edge.service).
// It drives this process's simulated plant over pseudo-terminals (socat), as it would drive controllers
// on USB serial adapters, so its resident memory holds nothing of the simulator, the label renderer or
// the camera. The vision service is a third process. Prints, beside baselines from the same run:
//  - camera -> verdict (delivered by the broker) and camera -> reject stroke, against the belt's travel;
//  - the gateway's resident memory (against the 100 MB goal) and its CPU (% of one core, from its
//    /proc/<pid>/stat), side by side: 5 s after the line starts, every 10 s, and after BENCH_SOAK_MIN
//    (default 10; 1 for a quick look) minutes at 600/min; and the RSS growth between the two halves.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { systemClock } from '@servo-edge/common/clock';
import { createLogger } from '@servo-edge/common/log';
import { parseConfigText, withLine } from '@servo-edge/edge-gateway';
import {
  type CameraClients,
  connectClient,
  createDemoCamera,
  createDemoControllers,
  createDemoLine,
  demoConfigSource,
  demoKeys,
  publishStationChecks,
  startVisionProcess,
  stopChild,
  visionSelfTest,
} from '@servo-edge/edge-gateway/demo';
import { createPtyServer, SimulatorRegistry } from '@servo-edge/simulator';
import { figure, percentile } from './report.js';

const PRODUCTS_PER_MIN = 600;

/** A station as GET /api/v1/line reports it. */
interface StationLine {
  name: string;
  cycles: number;
  late: number;
  faults: number;
}
/** The gateway's resident-memory goal on a Pi (README "Memory"). */
const RSS_GOAL_MB = 100;
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
  // Linux, like the Pi: VmRSS in kB (proc(5)).
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Clock ticks per second of /proc/<pid>/stat's times (sysconf(_SC_CLK_TCK), 100 on Linux). */
const TICKS_PER_S = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) the process has used: /proc/<pid>/stat fields 14 and 15 (proc(5)). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** One reading of the gateway process: resident memory and CPU time used so far. */
interface ProcessSample {
  atMonotonicMs: number;
  rssMb: number;
  cpuS: number;
}

function sampleProcess(pid: number): ProcessSample {
  return { atMonotonicMs: systemClock.monotonicMs(), rssMb: rssMbOf(pid), cpuS: cpuSecondsOf(pid) };
}

/** CPU between two samples, as % of one core (100 % = one core busy all the time). */
function cpuPercentBetween(from: ProcessSample, to: ProcessSample): number {
  return ((to.cpuS - from.cpuS) / ((to.atMonotonicMs - from.atMonotonicMs) / 1000)) * 100;
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
    const config = withLine(parseConfigText(source.yamlText, { env: source.env }));
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
      log: createLogger({ level: 'warn', name: 'soak-plant' }),
      // The infeed's indexes place the products, where the gateway's line expects them; what every
      // station's axis did to each product is judged from its motion, plant faults (no fill, no seal,
      // no label) are drawn, and the filler's and sealer's checks go to the gateway over MQTT.
      stationControllers: controllers,
      simulateStationAxes: true,
      onStationCheck: publishStationChecks(
        config,
        clients,
        createLogger({ level: 'warn', name: 'soak-checks' }),
      ),
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
    // Memory and CPU of the gateway process together: every 10 s, and over the whole run.
    const atStart = sampleProcess(pid);
    const samples: ProcessSample[] = [atStart];
    const sampler = setInterval(() => samples.push(sampleProcess(pid)), 10_000);
    await waitMs(soakMin * 60_000);
    clearInterval(sampler);
    const atEnd = sampleProcess(pid);
    samples.push(atEnd);

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
    // What each station did (a late cycle's product is rejected; a late index leaves its pocket empty)
    // and the defects the plant made, by kind: the mix includes station defects (issue #16).
    const stations = ((await api('/api/v1/line')).json as { stations?: StationLine[] }).stations ?? [];
    console.log(
      `  stations: ${stations.map((st) => `${st.name} ${st.cycles} cycles, ${st.late} late, ${st.faults} faults`).join('; ')}`,
    );
    const kinds = new Map<string, number>();
    for (const p of products) if (p.defect !== 'none') kinds.set(p.defect, (kinds.get(p.defect) ?? 0) + 1);
    console.log(
      `  defects made: ${[...kinds].map(([kind, n]) => `${kind} ${n}`).join(', ')}; about ${Math.round((soakMin * 60 + 5) * (PRODUCTS_PER_MIN / 60))} pockets on the grid in that time`,
    );
    const goal = { name: 'goal', value: RSS_GOAL_MB };
    const cpuPercent = cpuPercentBetween(atStart, atEnd);
    const peakMb = Math.max(...samples.map((s) => s.rssMb));
    figure('gateway RSS 5 s after the line started', atStart.rssMb, 'MB', goal);
    figure(`gateway RSS after ${soakMin} min at 600/min`, atEnd.rssMb, 'MB', goal);
    figure(`gateway RSS, peak of the ${samples.length} samples`, peakMb, 'MB', goal);
    figure(`gateway CPU over ${soakMin} min at 600/min`, cpuPercent, '% of one core');
    console.log(
      `  gateway at 600/min: ${atEnd.rssMb.toFixed(1)} MB resident at ${cpuPercent.toFixed(1)} % of one core; ` +
        `RSS ${peakMb <= RSS_GOAL_MB ? 'stayed at or under' : 'went OVER'} the ${RSS_GOAL_MB} MB goal (peak ${peakMb.toFixed(1)} MB)`,
    );
    if (samples.length > 2) {
      const rss = samples.map((s) => s.rssMb);
      const half = Math.floor(rss.length / 2);
      const growth = percentile(rss.slice(half), 50) - percentile(rss.slice(0, half), 50);
      figure('gateway RSS growth, 2nd half vs 1st half (medians)', growth, 'MB');
      const pairs: string[] = [];
      for (let i = 1; i < samples.length; i++) {
        const [from, to] = [samples[i - 1]!, samples[i]!];
        // The closing sample may fall just after the last periodic one: too short a span for a CPU figure.
        if (to.atMonotonicMs - from.atMonotonicMs < 1000) continue;
        pairs.push(`${to.rssMb.toFixed(0)}/${cpuPercentBetween(from, to).toFixed(0)}`);
      }
      console.log(`  every 10 s, RSS MB / CPU % of one core: ${pairs.join(' ')}`);
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

await soak();
process.exit(0);

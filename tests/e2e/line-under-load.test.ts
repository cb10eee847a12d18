// Issue #12, "a line test under load": the demo line at 600/min for two minutes (1200 products, 5 %
// defects) while another process keeps one core busy and, where chromium is installed, the operator's
// dashboard is open in it, signed in and showing the line. The reject stroke is armed on the conveyor's
// position in the controller (PROTOCOL.md §v2 Triggered moves), so however late this process's timers
// run, every defect must be out and every good product through. The stroke's start error against the
// product's position is printed; the same run with host timing is the bench's (bench/gateway.ts).
// Every station runs (issue #16): a cycle that reaches the controller too late is counted and its product
// rejected, which is sorting; how many there were is printed.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createMemoryLogger, type MemoryLogger } from '@servo-edge/common/testing';
import { type DemoStack, startDemo } from '@servo-edge/edge-gateway/demo';
import { strokeErrorStats } from '@servo-edge/simulator/line';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';

const PRODUCTS_PER_MIN = 600;
const RUN_PRODUCTS = 2 * PRODUCTS_PER_MIN; // two minutes of production
const PORTS = { SERVO_EDGE_PORT: '0', SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' };
// Start-up (up to a minute on a loaded machine), two minutes of production, the belt emptying.
const TEST_TIMEOUT_MS = 5 * 60_000;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// In CI chromium is installed (.ci/run): a missing browser there fails the launch instead of being skipped.
const WITH_BROWSER = existsSync(CHROMIUM) || process.env.CI === 'true';
/** No product binned for this long while the line is in Execute: the belt has stopped. */
const BELT_STALL_MS = 15_000;
/** The line's own threshold for a late stroke (line-controller.ts LATE_STROKE_MS), as belt travel at 1 m/s. */
const LATE_STROKE_MM = 20;

let stack: DemoStack | undefined;
let busy: ChildProcess | undefined;
let browser: BrowserContext | undefined;
let profileDir: string | undefined;
let logger: MemoryLogger;

afterEach(async () => {
  // Each step on its own: one failing must not leave the others running.
  busy?.kill('SIGKILL');
  busy = undefined;
  await browser?.close().catch(() => {});
  browser = undefined;
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
  profileDir = undefined;
  await stack?.stop();
  stack = undefined;
}, 60_000);

/** Another process spinning on one core for the whole test (the issue's "one busy core"). */
function keepOneCoreBusy(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  child.unref();
  return child;
}

/** The operator's page in chromium, signed in as a viewer and showing the running line. */
async function openDashboard(s: DemoStack): Promise<BrowserContext> {
  profileDir = await mkdtemp(join(tmpdir(), 'servo-edge-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
    ],
  });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(s.gateway.httpUrl());
  await page.locator('#api-key').fill(s.keys.viewer);
  await page.locator('#sign-in').click();
  await page.locator('#feed-status[data-status="live"]').waitFor();
  await page.locator('#line-state[data-state="Execute"]').waitFor();
  await page.locator('.axis[data-axis="conveyor"]').waitFor();
  return context;
}

/**
 * Times each product from its camera trigger to its verdict, as the gateway's line controller sees
 * them (its clock, its calls into the tracker). `missing` lists the products that got no verdict
 * before their reject decision, with how late the verdict came, if it came.
 */
function recordVerdictLatency(s: DemoStack) {
  const controller = s.gateway.lineController;
  const clock = () => performance.now();
  const triggeredAtMs = new Map<string, number>();
  const verdictAfterMs = new Map<string, number>();
  const trigger = controller.trigger.bind(controller);
  const verdict = controller.verdict.bind(controller);
  controller.trigger = (productId, conveyorMm) => {
    if (!triggeredAtMs.has(productId)) triggeredAtMs.set(productId, clock());
    trigger(productId, conveyorMm);
  };
  controller.verdict = (v) => {
    const at = v.productId === null ? undefined : triggeredAtMs.get(v.productId);
    if (at !== undefined && !verdictAfterMs.has(v.productId!)) verdictAfterMs.set(v.productId!, clock() - at);
    verdict(v);
  };
  return {
    summary(runsIn: (id: string) => boolean) {
      const ids = [...triggeredAtMs.keys()].filter(runsIn);
      const lags = ids.flatMap((id) => verdictAfterMs.get(id) ?? []).sort((a, b) => a - b);
      const at = (q: number) => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? Number.NaN;
      const missing = ids.filter((id) => !verdictAfterMs.has(id));
      return {
        missing,
        text: `p50 ${at(0.5).toFixed(0)} ms, p99 ${at(0.99).toFixed(0)} ms, max ${at(1).toFixed(0)} ms over ${lags.length}; none for ${missing.length}`,
      };
    },
  };
}

/** For a product that ended in the wrong bin: what vision said, whether a stroke fired, what went wrong. */
function explain(s: DemoStack, id: string): string {
  const verdict = s.gateway.line.recentInspections(10_000).find((v) => v.productId === id);
  const stroke = s.gateway.lineController.rejects.find((r) => r.productId === id);
  const errors = logger.records.filter((r) => r.level === 'error' || r.level === 'warn').slice(0, 5);
  return `${id}: verdict ${verdict ? `${verdict.verdict} ${verdict.reasons.join(',')}` : 'none kept'}, stroke ${stroke ? `${stroke.timing} ${stroke.cause} [${stroke.reasons.join(',')}]` : 'none'}; log: ${JSON.stringify(errors)}`;
}

// In `npm test` (the e2e phase) since session 4. A machine too small to run the demo, a busy core and
// chromium at once can leave it out with SERVO_EDGE_LOAD_TEST=0.
describe.skipIf(process.env['SERVO_EDGE_LOAD_TEST'] === '0')('packaging line under load', () => {
  it(
    `two minutes at 600/min with a busy core${WITH_BROWSER ? ' and the dashboard open in chromium' : ` (no browser: ${CHROMIUM} not found)`}: strokes armed on the conveyor position, perfect sorting`,
    async () => {
      logger = createMemoryLogger();
      stack = await startDemo({
        env: PORTS,
        productsPerMin: PRODUCTS_PER_MIN,
        defectRate: 0.05,
        seed: 21,
        logger: logger.logger,
      });
      // 1. The load comes once the line runs: a busy core, then the browser. What is measured is the
      //    two minutes of production that follow, with both in place: chromium's own start-up (a stall
      //    of up to 0.6 s here, in which verdicts came late and the fail-safe armed strokes without
      //    them) is start-up, not the dashboard being open.
      busy = keepOneCoreBusy();
      const s = stack;
      const loopDelay = monitorEventLoopDelay({ resolution: 10 });
      loopDelay.enable();
      const loopLag = () =>
        `event-loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`;
      // Stops the controllers report (a lease run out, a fault), for the message if the belt stops.
      const deviceStops: string[] = [];
      const offEvents = s.gateway.motion.subscribe((e) => {
        if (e.type === 'device' && (e.event === 'LEASE' || e.event === 'FAULT' || e.event === 'ESTOP'))
          deviceStops.push(`${e.event} ${e.axis ?? ''}`);
      });
      // This process hosts the gateway and the simulated controllers: how late its event loop ran is
      // the first thing to know when a stroke is late or a link drops.
      if (WITH_BROWSER) {
        browser = await openDashboard(s).catch((error: Error) => {
          const problems = logger.records.filter((r) => r.level === 'error' || r.level === 'warn');
          throw new Error(
            `the dashboard did not show the line running (${error.message.split('\n')[0]}); line ${s.gateway.line.state}; device stops: ${deviceStops.join(', ') || 'none'}; ${loopLag()}; log: ${JSON.stringify(problems.slice(0, 10))}`,
          );
        });
      } else console.warn(`[line-under-load] ${CHROMIUM} not found: running without the dashboard open`);

      // 2. Two minutes of production from the first product placed once the load is in place, until
      //    the RUN_PRODUCTS products from it have all left the belt.
      const belt = s.virtualLine;
      const firstInRun = belt.summary().produced + 1;
      const trackerAtStart = { ...s.gateway.lineController.tracker.stats };
      // The stations' late cycles (this host too late for the controller: ABORTED why=LATE) in the run:
      // their products are rejected (a late index leaves its pocket empty), which is sorting, not a miss.
      const lateOf = () =>
        Object.fromEntries(s.gateway.lineController.stationReports().map((st) => [st.name, st.late]));
      const lateAtStart = lateOf();
      // From the camera's trigger to the verdict, per product, on the gateway's clock: what a verdict
      // has is the belt's travel from the camera to the reject decision point.
      const latency = recordVerdictLatency(s);
      loopDelay.reset();
      const runsIn = (id: string | undefined) =>
        id !== undefined &&
        Number(id.slice(1)) >= firstInRun &&
        Number(id.slice(1)) < firstInRun + RUN_PRODUCTS;
      const inRun = () => [...belt.rejected, ...belt.passed].filter((p) => runsIn(p.id));
      // The line leaving Execute (an e-stop, a lost controller), or the belt standing still while it
      // is in Execute, ends the wait at once, with the reason.
      const why = (what: string) => {
        // Errors first (a station fault, a failed stroke), then warnings, which can be many.
        const problems = [
          ...logger.records.filter((r) => r.level === 'error'),
          ...logger.records.filter((r) => r.level === 'warn'),
        ];
        const links = s.gateway.motion
          .controllers()
          .map((c) => `${c.id}: ${c.state}, stop latched ${c.estopLatched}, ${c.lastError?.code ?? '-'}`);
        return new Error(
          `${what} after ${inRun().length} products; device stops: ${deviceStops.join(', ') || 'none'}; ` +
            `links: ${links.join('; ')}; ${loopLag()}; log: ${JSON.stringify(problems.slice(0, 10))}`,
        );
      };
      let offTransition = () => {};
      let stallCheck: ReturnType<typeof setInterval> | undefined;
      const stopped = new Promise<never>((_, reject) => {
        offTransition = s.gateway.line.onTransition((t) => {
          if (t.to !== 'Execute') reject(why(`line went ${t.from} -> ${t.to} (${t.reason ?? 'command'})`));
        });
        // At 600/min ten products leave the belt a second: none for BELT_STALL_MS means it stopped.
        let last = { count: -1, atMs: performance.now() };
        stallCheck = setInterval(() => {
          const count = [...belt.rejected, ...belt.passed].length;
          if (count !== last.count) last = { count, atMs: performance.now() };
          else if (performance.now() - last.atMs > BELT_STALL_MS)
            reject(why(`the belt stood still for ${BELT_STALL_MS} ms in ${s.gateway.line.state}`));
        }, 1000);
      });
      try {
        await Promise.race([
          expect
            .poll(() => inRun().length, { timeout: TEST_TIMEOUT_MS - 90_000, interval: 1000 })
            .toBe(RUN_PRODUCTS),
          stopped,
        ]);
      } finally {
        offTransition();
        offEvents();
        clearInterval(stallCheck);
        loopDelay.disable();
      }
      const binned = inRun();
      const defective = binned.filter((p) => p.defect !== 'none');
      const missed = binned
        .filter((p) => p.defect !== 'none' && p.bin === 'passed')
        .map((p) => `${p.defect} ${explain(s, p.id)}`);
      // A product whose station cycle this host served late is rejected without being looked at (the
      // line cannot vouch for it: `<station>:LATE`), even where the virtual line saw the work done in
      // its window. Counted apart, bounded by the late cycles; any other good product rejected is wrong.
      const rejectReasons = (id: string) =>
        s.gateway.lineController.rejects.find((r) => r.productId === id)?.reasons ?? [];
      const goodRejected = binned.filter((p) => p.defect === 'none' && p.bin === 'rejected');
      const rejectedAsLate = goodRejected.filter((p) => rejectReasons(p.id).some((r) => r.endsWith(':LATE')));
      const falseRejects = goodRejected
        .filter((p) => !rejectedAsLate.includes(p))
        .map((p) => explain(s, p.id));

      // 3. The stroke's start error against the product's position, judged on the simulated
      //    controller's exact timeline (the virtual line's strokes), printed for the issue's note.
      const strokes = belt.strokes.filter((k) => runsIn(k.productId));
      const stats = strokeErrorStats(strokes);
      const late = strokes.filter((k) => (k.errorMm ?? 0) > LATE_STROKE_MM).length;
      const rejects = s.gateway.lineController.rejects.filter((r) => runsIn(r.productId));
      const verdictLag = latency.summary(runsIn);
      const lateInRun = Object.fromEntries(
        Object.entries(lateOf()).map(([name, n]) => [name, n - (lateAtStart[name] ?? 0)]),
      );
      const stationReports = s.gateway.lineController.stationReports();
      console.log(
        `[line-under-load] ${binned.length} products, ${defective.length} defective, ${missed.length} missed, ` +
          `${falseRejects.length} false rejects, ${rejectedAsLate.length} good ones rejected as served late; ${rejects.length} strokes (${rejects.filter((r) => r.timing === 'position').length} armed on position); ` +
          `start error vs product position: mean ${stats.meanMm.toFixed(3)} mm, p99 |${stats.p99AbsMm.toFixed(3)}| mm, ` +
          `max |${stats.maxAbsMm.toFixed(3)}| mm over ${stats.count}; late (> ${LATE_STROKE_MM} mm): ${late}; ` +
          `busy core: yes; dashboard: ${WITH_BROWSER ? 'open in chromium' : 'no browser'}; ${loopLag()}; ` +
          `trigger to verdict: ${verdictLag.text}; station cycles late in the run: ${JSON.stringify(lateInRun)}`,
      );

      // 4. The run was the one asked for: the rate, the defect mix, the browser still showing the line.
      expect(binned).toHaveLength(RUN_PRODUCTS);
      expect(defective.length).toBeGreaterThan(0.03 * RUN_PRODUCTS);
      // Drawn defects (5 %), and the products whose station cycle came late (rejected, as they should be).
      const lateServed =
        (lateInRun['filler'] ?? 0) + (lateInRun['sealer'] ?? 0) + (lateInRun['labeler'] ?? 0);
      expect(defective.length).toBeLessThan(0.08 * RUN_PRODUCTS + lateServed);
      // Every station cycled and none faulted: a late cycle is counted, not a fault.
      expect(stationReports.filter((st) => st.faults > 0 || st.cycles === 0)).toEqual([]);
      if (browser) {
        // The dashboard's page, not the blank one a persistent context opens with.
        const page = browser.pages().find((p) => p.url() !== 'about:blank');
        expect(page).toBeDefined();
        await page!.locator('#line-state[data-state="Execute"]').waitFor();
      }
      // 5. Every defect out, every good product through, earned by verdicts in time.
      expect(missed).toEqual([]);
      expect(falseRejects).toEqual([]);
      expect(rejectedAsLate.length).toBeLessThanOrEqual(lateServed);
      const tracker = s.gateway.lineController.tracker.stats;
      expect(verdictLag.missing).toEqual([]);
      expect(tracker.firedWithoutVerdict - trackerAtStart.firedWithoutVerdict).toBe(0);
      expect(tracker.lateVerdicts - trackerAtStart.lateVerdicts).toBe(0);
      expect(s.gateway.line.state).toBe('Execute');
      // 6. Every stroke was armed on the conveyor position, never timed by this host.
      expect(rejects.length).toBeGreaterThanOrEqual(defective.length);
      expect(rejects.filter((r) => r.timing !== 'position')).toEqual([]);
      // (A stroke of a product from before the run, when chromium started, is not part of it.)
      const ofRun = (event: string) =>
        logger.records.filter(
          (r) => r.event === event && runsIn(r.fields['productId'] as string | undefined),
        );
      expect(logger.records.filter((r) => r.event === 'line.reject.host-timing')).toEqual([]);
      expect(ofRun('line.reject.failed')).toEqual([]);
      // 7. And each started where the product was: the controller fires on the encoder, so its error
      //    is the profile's, not the host's (the issue measured host timing's p99 start at 499 ms).
      expect(stats.count).toBeGreaterThanOrEqual(defective.length);
      expect(late).toBe(0);
      expect(stats.p99AbsMm).toBeLessThan(5);
    },
    TEST_TIMEOUT_MS,
  );
});

// The operator dashboard in a real browser (Debian's chromium driven by playwright-core) against the
// running demo stack: sign in; the unit mode, OEE, the stations and each axis's owner; a mode switch the
// state forbids (refused with its code) and one it allows (Stopped → Manual); jog in Manual (held on
// renewed leases; a page closed mid-jog stops the axis by its lease), software stop to Aborted, back to
// Production, reset and restart, a rejected label, and a viewer who sees everything but cannot move
// anything. A screenshot per step lands in test-artifacts/.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createMemoryLogger } from '@servo-edge/common/testing';
import type { GatewayErrorCode } from '@servo-edge/edge-gateway';
import { type DemoStack, startDemo } from '@servo-edge/edge-gateway/demo';
import { MOTION_ERRORS } from '@servo-edge/motion-api';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createNetworkCut } from './network-cut.js';

// The callbacks handed to page.evaluate / waitForFunction run in chromium. This file is compiled without
// the DOM lib (it would leak into every package's type check), so the little they touch is declared here.
interface PageElement {
  readonly textContent: string | null;
  readonly outerHTML: string;
  readonly disabled?: boolean;
  readonly complete?: boolean;
  readonly naturalWidth?: number;
  getAttribute(name: string): string | null;
  closest(selector: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}
declare const window: { scrollTo(x: number, y: number): void };
declare const document: Pick<PageElement, 'querySelector' | 'querySelectorAll'> & {
  readonly documentElement: { setAttribute(name: string, value: string): void } & PageElement;
  addEventListener(
    type: 'pointerdown',
    listener: (event: { target: unknown }) => void,
    capture: boolean,
  ): void;
};
declare const sessionStorage: { getItem(key: string): string | null };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// In CI chromium is installed by .ci/run, so a missing browser is a failure there, not a skip.
const SKIP_REASON =
  existsSync(CHROMIUM) || process.env.CI
    ? undefined
    : `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the dashboard tests`;
if (SKIP_REASON) console.warn(`[dashboard] skipped: ${SKIP_REASON}`);

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/dashboard/', import.meta.url));
const PORTS = { SERVO_EDGE_PORT: '0', SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' };
/** Bounded waits on page conditions; generous for a loaded CI machine, never a sleep. */
const WAIT_MS = 15_000;
const STEP_TIMEOUT_MS = 60_000;

let stack: DemoStack;
/** The demo's log, fastify's request logs included: what reached the gateway. */
let demoLog: ReturnType<typeof createMemoryLogger>;
let context: BrowserContext;
let profileDir: string;
let page: Page;
let url: string;
const pageErrors: string[] = [];
let shot = 0;

async function screenshot(name: string, target: Page = page): Promise<void> {
  shot += 1;
  // From the top: a full-page capture of a scrolled page draws the sticky header mid-page.
  await target.evaluate(() => window.scrollTo(0, 0));
  await target.screenshot({
    path: join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`),
    fullPage: true,
  });
}

/** A new tab on the dashboard; `at`: the dashboard's address (a relay's, for a page the test cuts off). */
async function openPage(viewport = { width: 1280, height: 900 }, at = url): Promise<Page> {
  const p = await context.newPage();
  p.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  p.on('console', (message) => {
    // Refused requests (401, 404, 422) are logged by the browser itself; the page shows them in words.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      pageErrors.push(`console: ${message.text()}`);
    }
  });
  await p.setViewportSize(viewport);
  await p.goto(at);
  return p;
}

async function signIn(p: Page, key: string): Promise<void> {
  await p.locator('#api-key').fill(key);
  await p.locator('#sign-in').click();
}

function axis(p: Page, name: string) {
  return p.locator(`.axis[data-axis="${name}"]`);
}

async function positionOf(p: Page, name: string): Promise<number> {
  const text = await axis(p, name).locator('[data-field="position"]').textContent();
  return Number.parseFloat(text ?? 'NaN');
}

/** Jog speed for the held-jog tests, mm/s: a few seconds of it stay inside the filler's 0..200 mm. */
const HELD_JOG_SPEED = 20;
/** How often the tests poll the REST API. */
const POLL_MS = 20;
/** A GET /axes/:name is assumed to take at least this long on a loaded machine (the slowest seen counts if longer). */
const REST_READ_MS = 100;

/** How often the axis's controller reports it (its `streamHz` in the demo config): a stop is seen up to one period late. */
function reportPeriodMs(name: string): number {
  const { controllers, axes } = stack.config.motion;
  const controllerId = axes.find((a) => a.name === name)?.controller;
  const streamHz = controllers.find((c) => c.id === controllerId)?.streamHz;
  if (!streamHz) throw new Error(`${name}: its controller streams no reports (streamHz ${streamHz})`);
  return 1000 / streamHz;
}

/** The unit modes in the order the gateway declares them (edge-gateway/src/packml/unit-modes.ts). */
const UNIT_MODES = ['Production', 'Maintenance', 'Manual'];
const OEE_FACTORS = ['availability', 'performance', 'quality', 'oee'] as const;

/** The part of GET /api/v1/line these tests read; `stations` only once the line has stations. */
interface LineReading {
  state: string;
  mode: string;
  oee: Record<(typeof OEE_FACTORS)[number], number | null> & { windowMs: number };
  stations?: { name: string; axes: string[]; cycles: number; state: string }[];
}

async function restLine(): Promise<LineReading> {
  const response = await fetch(new URL('/api/v1/line', url), {
    headers: { authorization: `Bearer ${stack.keys.admin}` },
  });
  if (!response.ok) throw new Error(`GET /line: HTTP ${response.status}`);
  return (await response.json()) as LineReading;
}

/** The requests the gateway received (fastify's request log) from the demo log's record `from` on. */
function requestsSince(from: number): { method: string; url: string }[] {
  return demoLog.records.slice(from).flatMap((record) => {
    const req = record.event === 'incoming request' ? (record.fields as { req?: unknown }).req : undefined;
    return req && typeof req === 'object' && 'method' in req && 'url' in req
      ? [{ method: String(req.method), url: String(req.url) }]
      : [];
  });
}

/** A PackML command through REST, as another client of the gateway would send it. */
async function restCommand(command: string): Promise<void> {
  const response = await fetch(new URL('/api/v1/line/command', url), {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.keys.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ command }),
  });
  if (!response.ok) throw new Error(`POST /line/command ${command}: HTTP ${response.status}`);
}

/** Homing every axis in Resetting takes a few seconds on a loaded machine. */
const STATE_WAIT_MS = 30_000;

/**
 * Brings the line to Stopped with the page's own buttons: Stop from a running or held line, Clear from
 * Aborted (a line that stopped on its own was already reported by the test that expected it running).
 */
async function stopFromPage(p: Page): Promise<void> {
  const state = await p.locator('#line-state').getAttribute('data-state');
  if (state !== 'Stopped') {
    await p
      .locator(`#line-commands button[data-command="${state === 'Aborted' ? 'Clear' : 'Stop'}"]`)
      .click();
  }
  await p.locator('#line-state[data-state="Stopped"]').waitFor({ timeout: STATE_WAIT_MS });
}

async function lineReaches(state: string): Promise<void> {
  await expect
    .poll(() => stack.gateway.line.state, { timeout: STATE_WAIT_MS, interval: POLL_MS })
    .toBe(state);
}

interface AxisReading {
  position: number | null;
  velocity: number | null;
  state: string;
}

/** The axis as the REST API reports it (the gateway's own view, not the page's). */
async function restAxis(name: string): Promise<AxisReading> {
  const startedMs = performance.now();
  const response = await fetch(new URL(`/api/v1/axes/${encodeURIComponent(name)}`, url), {
    headers: { authorization: `Bearer ${stack.keys.admin}` },
  });
  if (!response.ok) throw new Error(`GET /axes/${name}: HTTP ${response.status}`);
  const reading = (await response.json()) as AxisReading;
  slowestRestReadMs = Math.max(slowestRestReadMs, performance.now() - startedMs);
  return reading;
}
/** The slowest restAxis() round trip since the test last reset it. */
let slowestRestReadMs = 0;

/** Counts the page's lease renewals of one axis, and the slowest round trip among them. */
function countRenewals(p: Page, name: string) {
  let ok = 0;
  let refused = 0;
  let slowestMs = 0;
  const sentAt = new Map<unknown, number>();
  const path = `/api/v1/axes/${encodeURIComponent(name)}/jog/renew`;
  const onRequest = (request: { url(): string }) => {
    if (new URL(request.url()).pathname === path) sentAt.set(request, performance.now());
  };
  const onResponse = (response: { url(): string; status(): number; request(): unknown }) => {
    if (new URL(response.url()).pathname !== path) return;
    const started = sentAt.get(response.request());
    if (started !== undefined) slowestMs = Math.max(slowestMs, performance.now() - started);
    if (response.status() === 204) ok += 1;
    else refused += 1;
  };
  p.on('request', onRequest);
  p.on('response', onResponse);
  return {
    ok: () => ok,
    refused: () => refused,
    slowestMs: () => slowestMs,
    off: () => {
      p.off('request', onRequest);
      p.off('response', onResponse);
    },
  };
}

/** Presses and holds a jog button (mouse down, never up) and returns the lease the jog was given. */
async function holdJog(
  p: Page,
  name: string,
  action: 'jog-plus' | 'jog-minus',
): Promise<{ lease: { id: string; leaseMs: number; enforcedBy: string } }> {
  // :enabled, so the locator waits for the operator's controls (a viewer's are disabled, and a disabled
  // button starts no jog).
  const button = axis(p, name).locator(`[data-action="${action}"]:enabled`);
  // Where the press lands, recorded by the page itself: a press that missed the button fails here, naming
  // what it hit, instead of as a jog request that never came.
  await p.evaluate(() => {
    document.documentElement.setAttribute('data-test-pressed', '');
    document.addEventListener(
      'pointerdown',
      (event) => {
        const target = event.target as PageElement;
        const where = `${target.closest('.axis')?.getAttribute('data-axis')}/${target.getAttribute('data-action')}`;
        document.documentElement.setAttribute(
          'data-test-pressed',
          `${where} ${target.outerHTML.slice(0, 100)}`,
        );
      },
      true,
    );
  });
  const jogPath = `/api/v1/axes/${encodeURIComponent(name)}/jog`;
  const answered = p.waitForResponse(
    (r) => new URL(r.url()).pathname === jogPath && r.request().method() === 'POST',
  );
  // hover() scrolls the button into view and waits until it is visible and has stopped moving
  // (panels above it fill in as the feed arrives), then puts the pointer on it: a box measured before
  // the layout settled sent the press elsewhere, and no jog was asked for at all.
  await button.hover();
  await p.mouse.down();
  const pressed = await p.evaluate(() => document.documentElement.getAttribute('data-test-pressed'));
  if (!pressed?.startsWith(`${name}/${action} `)) {
    throw new Error(`the press on ${name}'s ${action} landed on ${pressed || 'nothing'}`);
  }
  const response = await answered;
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { lease?: { id: string; leaseMs: number; enforcedBy: string } };
  if (!body.lease) throw new Error(`the jog came back without a lease: ${JSON.stringify(body)}`);
  return { lease: body.lease };
}

describe.skipIf(SKIP_REASON !== undefined)('operator dashboard in chromium', () => {
  beforeAll(async () => {
    // Only this run's screenshots: numbered files from an earlier run would mix in.
    await rm(ARTIFACTS, { recursive: true, force: true });
    await mkdir(ARTIFACTS, { recursive: true });
    profileDir = await mkdtemp(join(tmpdir(), 'servo-edge-chromium-'));
    // One after the other: chromium starting up competes for CPU with the line's bring-up (homing).
    demoLog = createMemoryLogger();
    const logger = demoLog;
    stack = await startDemo({ env: PORTS, logger: logger.logger }).catch((error: Error) => {
      const problems = logger.records.filter((r) => r.level === 'warn' || r.level === 'error').slice(0, 10);
      throw new Error(`demo did not start: ${error.message}; log: ${JSON.stringify(problems)}`);
    });
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    context.setDefaultTimeout(WAIT_MS);
    url = stack.gateway.httpUrl();
    page = await openPage();
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await stack?.stop();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  }, 30_000);

  it('refuses a wrong key in the words of the API', async () => {
    await page.locator('#login').waitFor({ state: 'visible' });
    await signIn(page, 'not-a-key-of-this-gateway');
    const notice = page.locator('#notice');
    await notice.waitFor({ state: 'visible' });
    await expect(notice.textContent()).resolves.toContain(MOTION_ERRORS.UNAUTHORIZED.title);
    await expect(notice.textContent()).resolves.toContain('missing or unknown API key');
    await screenshot('wrong-key');
  });

  it('logs in and shows the running line, the axes and link health', async () => {
    await signIn(page, stack.keys.admin);
    await page.locator('#feed-status[data-status="live"]').waitFor();
    await page.locator('#line-state[data-state="Execute"]').waitFor();
    await axis(page, 'conveyor').waitFor();
    await page.locator('#links tbody tr[data-controller="ctrl-a"][data-state="ready"]').waitFor();
    await page.locator('#vision-status[data-ok="true"]').waitFor();
    await page.locator('#broker-status[data-ok="true"]').waitFor();
    await expect(page.locator('#role-label').textContent()).resolves.toBe('admin');
    // Only the commands Execute allows are offered.
    const commands = await page.locator('#line-commands button').allTextContents();
    expect(commands.sort()).toEqual([...stack.gateway.line.allowedCommands()].sort());
    // The key is kept for the tab only.
    await expect(page.evaluate(() => sessionStorage.getItem('servo-edge.apiKey'))).resolves.toBe(
      stack.keys.admin,
    );
    await screenshot('logged-in');
  });

  it('shows the unit mode and its switch, OEE over its window, the stations and the owner of each axis', async () => {
    // 1. Production, and while the line runs no switch: every button disabled, the reason naming the state.
    await page.locator('#line-mode[data-mode="Production"]').waitFor();
    const state = await page.locator('#line-state').getAttribute('data-state');
    expect(['Stopped', 'Idle', 'Aborted']).not.toContain(state);
    const modes = page.locator('#mode-switch button');
    await expect(modes.allTextContents()).resolves.toEqual(UNIT_MODES);
    await expect(page.locator('#mode-switch button[aria-pressed="true"]').textContent()).resolves.toBe(
      'Production',
    );
    await expect(
      modes.evaluateAll((els) => els.map((el) => (el as unknown as PageElement).disabled)),
    ).resolves.toEqual([true, true, true]);
    await expect(page.locator('#mode-reason').getAttribute('data-blocked-by')).resolves.toBe('state');
    await expect(page.locator('#mode-reason').textContent()).resolves.toContain(state);

    // 2. OEE: the window the gateway computes over, and each factor once products have been made.
    const line = await restLine();
    await expect(page.locator('#oee-window').getAttribute('data-window-ms')).resolves.toBe(
      String(line.oee.windowMs),
    );
    await expect(page.locator('#oee-window').textContent()).resolves.toMatch(/^\d+ (h|min|s)$/);
    await page.locator('#oee-oee:not([data-value=""])').waitFor();
    for (const factor of OEE_FACTORS) {
      const figure = page.locator(`#oee-${factor}`);
      const shown = async () => Number(await figure.getAttribute('data-value'));
      // The figures run on with the clock; the feed sends them at least once a second, so the page's
      // figure comes within a few points of the gateway's (Held for a while, availability falls fast).
      await expect
        .poll(async () => Math.abs((await shown()) - ((await restLine()).oee[factor] ?? Number.NaN)), {
          timeout: WAIT_MS,
        })
        .toBeLessThan(0.05);
      // The value and its text read in one go: the feed may update the figure between two reads.
      const [valueText, text] = await figure.evaluate((el) => [
        el.getAttribute('data-value'),
        el.textContent,
      ]);
      const value = Number(valueText);
      expect(value).toBeGreaterThan(0);
      expect(value).toBeLessThanOrEqual(1);
      expect(text).toBe(`${(100 * value).toFixed(1)} %`);
    }

    // 3. The stations the API reports, in its order, each with a cycle count that keeps up with it.
    const stations = line.stations ?? [];
    if (stations.length === 0) console.warn('[dashboard] GET /api/v1/line reports no stations');
    await expect(
      page
        .locator('#station-table tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-station'))),
    ).resolves.toEqual(stations.map((s) => s.name));
    await expect(page.locator('#stations-empty').isVisible()).resolves.toBe(stations.length === 0);
    for (const station of stations) {
      const before = (await restLine()).stations?.find((s) => s.name === station.name)?.cycles ?? 0;
      const cycles = page.locator(`#station-table tr[data-station="${station.name}"] [data-field="cycles"]`);
      await expect
        .poll(async () => Number(await cycles.getAttribute('data-value')), { timeout: WAIT_MS })
        .toBeGreaterThanOrEqual(before);
      const shown = Number(await cycles.getAttribute('data-value'));
      const after = (await restLine()).stations?.find((s) => s.name === station.name)?.cycles ?? 0;
      expect(shown).toBeLessThanOrEqual(after);
    }

    // 4. The owner beside each axis: the conveyor, the reject arm and each station's axes are the
    //    line's in Production.
    const { conveyor, rejectArm } = stack.config.line.axes;
    const owned: [string, string][] = [
      [conveyor, 'conveyor'],
      [rejectArm, 'reject'],
      ...stations.flatMap((s) => s.axes.map((a): [string, string] => [a, s.name])),
    ];
    for (const [name, owner] of owned) {
      await axis(page, name)
        .locator(`[data-field="owner"][data-owner="${owner}"][data-held="true"]`)
        .waitFor();
    }
    await screenshot('mode-oee-stations');
  });

  it(
    'refuses a mode switch the state forbids (a view older than the line), showing the code',
    async () => {
      // 1. Stop the line from the page: Stopped allows a switch.
      await stopFromPage(page);
      // 2. A second operator's page whose feed the test can hold back, as a tablet's Wi-Fi might.
      const stale = await openPage();
      let holding = false;
      await stale.routeWebSocket(/\/dashboard\/stream$/, (ws) => {
        const server = ws.connectToServer();
        server.onMessage((message) => {
          if (!holding) ws.send(message);
        });
      });
      await signIn(stale, stack.keys.operator);
      await stale.locator('#feed-status[data-status="live"]').waitFor();
      await stale.locator('#line-state[data-state="Stopped"]').waitFor();
      await stale.locator('#mode-switch button[data-mode="Manual"]:enabled').waitFor();
      // 3. The line restarts while that page hears nothing of it.
      holding = true;
      await restCommand('Reset');
      await lineReaches('Idle');
      await restCommand('Start');
      await lineReaches('Execute');
      await expect(stale.locator('#line-state').getAttribute('data-state')).resolves.toBe('Stopped');
      // 4. Its switch to Manual is refused by the gateway, with the code; the line stays in Production.
      await stale.locator('#mode-switch button[data-mode="Manual"]').click();
      const code: GatewayErrorCode = 'EDGE_UNIT_MODE_CHANGE_NOT_ALLOWED';
      await stale.locator(`#notice[data-code="${code}"]`).waitFor({ state: 'visible' });
      await expect(stale.locator('#notice-code').textContent()).resolves.toBe(code);
      expect(stack.gateway.line.mode).toBe('Production');
      // 5. The refusal makes the page ask for the line: it now shows Execute, and the switch disabled.
      await stale.locator('#line-state[data-state="Execute"]').waitFor();
      await stale.locator('#mode-switch button[data-mode="Manual"]:disabled').waitFor();
      await expect(stale.locator('#mode-reason').getAttribute('data-blocked-by')).resolves.toBe('state');
      await screenshot('mode-refused', stale);
      await stale.close();
    },
    STEP_TIMEOUT_MS,
  );

  it('switches the line from Production to Manual once it is stopped, and shows it everywhere', async () => {
    await stopFromPage(page);
    const manual = page.locator('#mode-switch button[data-mode="Manual"]');
    await manual.click();
    await page.locator('#line-mode[data-mode="Manual"]').waitFor();
    await expect(manual.getAttribute('aria-pressed')).resolves.toBe('true');
    expect(stack.gateway.line.mode).toBe('Manual');
    await expect(restLine()).resolves.toMatchObject({ mode: 'Manual', state: 'Stopped' });
    // Manual does not run products: Start is not offered; the owned axes are released to the operator.
    await expect(page.locator('#line-commands button[data-command="Start"]').count()).resolves.toBe(0);
    const { conveyor } = stack.config.line.axes;
    await axis(page, conveyor)
      .locator('[data-field="owner"][data-owner="conveyor"][data-held="false"]')
      .waitFor();
    await expect(page.locator('#notice').isHidden()).resolves.toBe(true);
    await screenshot('mode-manual');
  });

  it('jogs an axis while the button is held and sees its position change', async () => {
    const filler = axis(page, 'filler');
    await filler.locator('[data-field="position"]').filter({ hasText: /\d/ }).waitFor();
    if ((await filler.locator('[data-field="enabled"]').textContent()) !== 'enabled') {
      await filler.locator('[data-action="enable"]').click();
      await filler.locator('[data-field="enabled"]', { hasText: /^enabled$/ }).waitFor();
    }
    const before = await positionOf(page, 'filler');
    const jog = filler.locator('[data-action="jog-plus"]');
    // The mouse works in viewport coordinates: the axes sit below the line and stations panels.
    await jog.scrollIntoViewIfNeeded();
    const box = await jog.boundingBox();
    if (!box) throw new Error('jog button not laid out');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.waitForFunction(
      (start) => {
        const text = document.querySelector('.axis[data-axis="filler"] [data-field="position"]')?.textContent;
        return Number.parseFloat(text ?? 'NaN') > start + 2;
      },
      before,
      { timeout: WAIT_MS },
    );
    await screenshot('jogging');
    await page.mouse.up();
    // Releasing stops it: the velocity reads zero, on the page and in the motion service. (The state is
    // not checked: the motion API learns MOVING -> IDLE after a stopped jog only on its next GET.)
    await page.waitForFunction(
      () => {
        const text = document.querySelector('.axis[data-axis="filler"] [data-field="velocity"]')?.textContent;
        return Number.parseFloat(text ?? 'NaN') === 0;
      },
      undefined,
      { timeout: WAIT_MS },
    );
    expect(stack.gateway.motion.axis('filler').velocity).toBe(0);
    const stoppedAt = await positionOf(page, 'filler');
    expect(stoppedAt).toBeGreaterThan(before + 2);
    expect(stack.gateway.motion.axis('filler').position).toBeCloseTo(stoppedAt, 0);
    await screenshot('jog-released');
  });

  it(
    'keeps the axis moving while the button is held for many leases (the page renews them)',
    async () => {
      const filler = axis(page, 'filler');
      // Slow, so the travel of several leases stays well inside the axis's soft limits.
      await filler.locator('[data-field="jog-speed"]').fill(String(HELD_JOG_SPEED));
      const renewals = countRenewals(page, 'filler');
      const before = await restAxis('filler');
      const { lease } = await holdJog(page, 'filler', 'jog-plus');
      // 1. Moved further than any jog could that was not renewed: 4 leases of travel at the jog speed.
      const travel = (HELD_JOG_SPEED * 4 * lease.leaseMs) / 1000;
      await expect
        .poll(async () => (await restAxis('filler')).position, { timeout: WAIT_MS, interval: POLL_MS })
        .toBeGreaterThan((before.position ?? 0) + travel);
      // 2. Still moving, on renewals of the same lease, each answered 204.
      expect((await restAxis('filler')).velocity).toBeGreaterThan(0);
      expect(renewals.ok()).toBeGreaterThanOrEqual(4);
      expect(renewals.refused()).toBe(0);
      await page.mouse.up();
      await expect
        .poll(async () => (await restAxis('filler')).velocity, { timeout: WAIT_MS, interval: POLL_MS })
        .toBe(0);
      renewals.off();
      console.log(
        `[dashboard] held jog: lease ${lease.leaseMs} ms (${lease.enforcedBy}), ${renewals.ok()} renewals, ` +
          `slowest ${renewals.slowestMs().toFixed(0)} ms`,
      );
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'stops the axis when the page is closed mid-jog, with no stop message (the lease runs out)',
    async () => {
      // The page reaches the gateway through a relay the test can cut: chromium sends the stop of a
      // closing page (pagehide, keepalive) itself, past page.route(), so only a cut network keeps it out.
      const network = await createNetworkCut(url);
      onTestFinished(() => network.cut());
      const jogPage = await openPage(undefined, network.url('/'));
      await signIn(jogPage, stack.keys.operator);
      await jogPage.locator('#feed-status[data-status="live"]').waitFor();
      const filler = axis(jogPage, 'filler');
      await filler.locator('[data-field="position"]').filter({ hasText: /\d/ }).waitFor();
      await filler.locator('[data-field="jog-speed"]').fill(String(HELD_JOG_SPEED));
      const renewals = countRenewals(jogPage, 'filler');
      // 1. Hold jog − until the axis moves and the page has renewed its lease at least twice.
      const { lease } = await holdJog(jogPage, 'filler', 'jog-minus');
      await expect
        .poll(async () => (await restAxis('filler')).velocity, { timeout: WAIT_MS, interval: POLL_MS })
        .toBeLessThan(0);
      await expect
        .poll(() => renewals.ok(), { timeout: WAIT_MS, interval: POLL_MS })
        .toBeGreaterThanOrEqual(2);
      // 2. No stop may get out of the closing page (pagehide sends one when it can): what stops the axis
      //    must be the lease running out on the controller. So the page's network is cut, then the page
      //    closed: its last renewal and any stop die in the relay, as on a link lost with the tab.
      const replyMs = renewals.slowestMs();
      // The controllers are simulated in this process, so a late timer here (a loaded machine) is a late
      // lease check and a late report on the controller: measured, and counted once for each.
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const leaseEvents: number[] = [];
      const unsubscribe = stack.gateway.motion.subscribe((event) => {
        if (event.type === 'device' && event.event === 'LEASE' && event.axis === 'filler') {
          leaseEvents.push(performance.now());
        }
      });
      slowestRestReadMs = 0;
      const logFrom = demoLog.records.length;
      const cutAt = performance.now();
      // Cut off, the page logs its failed requests and feed: that is what a cut looks like, not an error.
      jogPage.removeAllListeners('console');
      await network.cut();
      await jogPage.close(); // the button is never released
      // 3. The axis stops within the lease plus one reply time (the slowest renewal seen), plus how
      //    often its controller reports its axes to the motion service, how often this test polls and
      //    how long one poll took, plus how late this process's timers ran.
      await expect
        .poll(async () => (await restAxis('filler')).velocity, { timeout: WAIT_MS, interval: POLL_MS })
        .toBe(0);
      const stoppedAfterMs = performance.now() - cutAt;
      lag.disable();
      unsubscribe();
      const reportMs = reportPeriodMs('filler');
      const readMs = Math.max(REST_READ_MS, slowestRestReadMs);
      const lagMs = lag.max / 1e6;
      const stopsReceived = requestsSince(logFrom).filter(
        (r) => r.method === 'POST' && r.url === '/api/v1/axes/filler/stop',
      );
      const boundMs = lease.leaseMs + replyMs + reportMs + POLL_MS + readMs + 2 * lagMs;
      console.log(
        `[dashboard] page closed mid-jog: axis stopped ${stoppedAfterMs.toFixed(0)} ms later ` +
          `(bound ${boundMs.toFixed(0)} = lease ${lease.leaseMs} + reply ${replyMs.toFixed(0)} + report ` +
          `${reportMs.toFixed(0)} + poll ${POLL_MS} + read ${readMs.toFixed(0)} + 2 x timer lag ` +
          `${lagMs.toFixed(0)}); stops that reached the gateway: ${stopsReceived.length}; LEASE events: ` +
          `${leaseEvents.length}; connections through the relay: ${network.connections} ` +
          `(at most ${network.peakConnections} at once)`,
      );
      expect(network.connections).toBeGreaterThan(0);
      expect(stopsReceived).toEqual([]);
      // The lease stopped it: the controller reported its LEASE stop (PROTOCOL.md §v2 Jog lease).
      expect(leaseEvents.length).toBeGreaterThanOrEqual(1);
      expect(stoppedAfterMs).toBeLessThan(boundMs);
      // 4. And it stays stopped: nothing renews a closed page's lease.
      const stoppedAt = (await restAxis('filler')).position;
      await expect.poll(async () => (await restAxis('filler')).velocity, { interval: POLL_MS }).toBe(0);
      expect((await restAxis('filler')).position).toBeCloseTo(stoppedAt ?? Number.NaN, 1);
    },
    STEP_TIMEOUT_MS,
  );

  it("shows a refused move in the API's words", async () => {
    const filler = axis(page, 'filler');
    await filler.locator('[data-field="move-target"]').fill('99999');
    await filler.locator('form.move button[type="submit"]').click();
    const notice = page.locator('#notice');
    await notice.waitFor({ state: 'visible' });
    await expect(notice.textContent()).resolves.toContain(MOTION_ERRORS.TARGET_OUT_OF_RANGE.title);
    await screenshot('move-refused');
    await page.locator('#notice-close').click();
  });

  it('presses the software stop and sees the line go to Aborted', async () => {
    await page.locator('#software-stop').click();
    await page.locator('#line-state[data-state="Aborted"]').waitFor();
    await page.locator('#stop-banner').waitFor({ state: 'visible' });
    await axis(page, 'conveyor').locator('[data-field="state"][data-state="ESTOP"]').waitFor();
    expect(stack.gateway.line.state).toBe('Aborted');
    await screenshot('software-stop');
  });

  it(
    'resets the stop, then clears, resets and restarts the line',
    async () => {
      await page.locator('#stop-reset').click();
      await page.locator('#stop-banner').waitFor({ state: 'hidden' });
      await screenshot('stop-reset');
      await page.locator('#line-commands button[data-command="Clear"]').click();
      await page.locator('#line-state[data-state="Stopped"]').waitFor({ timeout: STATE_WAIT_MS });
      // Back to Production from the page (Manual does not start), then the line starts again.
      await page.locator('#mode-switch button[data-mode="Production"]').click();
      await page.locator('#line-mode[data-mode="Production"]').waitFor();
      expect(stack.gateway.line.mode).toBe('Production');
      for (const [command, state] of [
        ['Reset', 'Idle'],
        ['Start', 'Execute'],
      ] as const) {
        await page.locator(`#line-commands button[data-command="${command}"]`).click();
        await page.locator(`#line-state[data-state="${state}"]`).waitFor({ timeout: STATE_WAIT_MS });
      }
      await expect(page.locator('#notice').isHidden()).resolves.toBe(true);
      await screenshot('line-restarted');
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'sees a rejected label appear, with its thumbnail and reasons',
    async () => {
      const seen = await page
        .locator('#reject-labels .label-card')
        .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-product')));
      const card = await page.waitForFunction(
        (before) =>
          [...document.querySelectorAll('#reject-labels .label-card[data-verdict="reject"]')].find((c) => {
            const img = c.querySelector('img');
            return (
              !before.includes(c.getAttribute('data-product')) &&
              img?.complete === true &&
              (img.naturalWidth ?? 0) > 0
            );
          }),
        seen,
        { timeout: 45_000 },
      );
      const productId = await card.evaluate((c) =>
        (c as unknown as PageElement).getAttribute('data-product'),
      );
      const reasons = await card.evaluate((c) =>
        [...(c as unknown as PageElement).querySelectorAll('.reasons li')].map((li) =>
          li.getAttribute('title'),
        ),
      );
      const verdict = stack.gateway.line.recentInspections(1000).find((v) => v.productId === productId);
      expect(verdict?.verdict).toBe('reject');
      expect(reasons).toEqual(verdict?.reasons);
      await screenshot('rejected-label');
    },
    STEP_TIMEOUT_MS,
  );

  it('lets a viewer see everything but press no motion button', async () => {
    // A new tab has its own sessionStorage: it starts signed out. Tablet-sized, portrait.
    const viewer = await openPage({ width: 800, height: 1280 });
    await signIn(viewer, stack.keys.viewer);
    await viewer.locator('#role-label', { hasText: 'viewer' }).waitFor();
    await axis(viewer, 'filler').locator('[data-field="position"]').filter({ hasText: /\d/ }).waitFor();
    await viewer.locator('#line-commands button').first().waitFor();
    const enabled = await viewer
      .locator('[data-needs]')
      .evaluateAll((els) =>
        els.filter((el) => !(el as unknown as PageElement).disabled).map((el) => el.outerHTML),
      );
    expect(enabled).toEqual([]);
    await expect(viewer.locator('#software-stop').isDisabled()).resolves.toBe(true);
    await expect(viewer.locator('.axis [data-action="jog-plus"]').count()).resolves.toBe(
      stack.gateway.motion.listAxes().length,
    );
    await expect(viewer.locator('#mode-reason').getAttribute('data-blocked-by')).resolves.toBe('role');
    await screenshot('viewer', viewer);
    await viewer.close();
    expect(pageErrors).toEqual([]);
  });
});

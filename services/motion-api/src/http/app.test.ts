// Route tests with app.inject(): every route and every error code of the registry. Hooks record which
// routes answered and which codes were sent; the last test fails if any route or code was left out.

import { createMemoryLogger } from '@servo-edge/common/testing';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MOTION_ERROR_CODES, MotionError, type MotionErrorCode } from '../errors.js';
import { AUTH, type Harness, type HarnessOptions, startHarness } from '../test-support/harness.js';
import { limitedServoEdge } from '../test-support/limited-driver.js';
import { settle, until } from '../test-support/settle.js';
import { KEYS } from '../testing/config.js';
import type { ApiPlugin } from './app.js';

const routes = new Set<string>();
const answered = new Set<string>();
const codes = new Set<string>();

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function harness(options: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness(options);
  track(h.app);
  return h;
}

function track(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || (route.url.startsWith('/docs/') && route.url !== '/docs/static/*')) continue;
      routes.add(`${method} ${route.url}`);
    }
  });
  app.addHook('onResponse', async (request) => {
    if (request.routeOptions.url) answered.add(`${request.method} ${request.routeOptions.url}`);
  });
}

type Who = keyof typeof AUTH | 'none';

async function call(
  method: InjectOptions['method'],
  url: string,
  options: { as?: Who; body?: unknown; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse & { json(): Record<string, unknown> }> {
  const headers = { ...(options.as === 'none' ? {} : AUTH[options.as ?? 'operator']), ...options.headers };
  const response = await h.app.inject({
    method,
    url,
    headers,
    ...(options.body === undefined ? {} : { payload: options.body as InjectOptions['payload'] }),
  });
  if (String(response.headers['content-type']).startsWith('application/problem+json')) {
    const body = response.json() as { code: string; status: number; type: string; instance: string };
    codes.add(body.code);
    // Every problem is RFC 9457-shaped, and its status matches the HTTP status.
    expect(body.status).toBe(response.statusCode);
    expect(body.type).toBe(`urn:servo-edge:motion-api:error:${body.code}`);
    expect(body.instance).toBe(url.split('?')[0]);
  }
  return response as LightMyRequestResponse & { json(): Record<string, unknown> };
}

async function problem(
  code: MotionErrorCode,
  status: number,
  method: InjectOptions['method'],
  url: string,
  options: Parameters<typeof call>[2] = {},
) {
  const response = await call(method, url, options);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect({ status: response.statusCode, code: response.json().code }).toEqual({ status, code });
  return response.json();
}

describe('operations and docs', () => {
  it('/healthz, /readyz, /metrics, /openapi.json, /docs with local assets', async () => {
    await harness();
    expect((await call('GET', '/healthz', { as: 'none' })).json()).toEqual({ status: 'ok' });
    expect((await call('GET', '/readyz', { as: 'none' })).json()).toMatchObject({ status: 'ready' });
    await call('GET', '/api/v1/axes/conveyor');
    const metrics = await call('GET', '/metrics', { as: 'viewer' });
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const family of [
      'motion_http_request_duration_seconds_bucket{method="GET",route="/api/v1/axes/:name",status="200"',
      'motion_link_rtt_seconds{controller="ctrl1"}',
      'motion_link_retransmits_total{controller="ctrl1"} 0',
      'motion_link_crc_errors_total{controller="ctrl2"} 0',
      'motion_link_bytes_in_total{controller="ctrl1"}',
      'motion_axis_queue_depth{axis="conveyor"} 0',
      'motion_link_pending_requests{controller="ctrl1"} 0',
      'motion_link_up{controller="ctrl2"} 1',
    ]) {
      expect(metrics.body).toContain(family);
    }
    await problem('UNAUTHORIZED', 401, 'GET', '/metrics', { as: 'none' });
    const openapi = (await call('GET', '/openapi.json', { as: 'none' })).json() as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/axes/{name}/move',
        '/api/v1/moves',
        '/api/v1/estop',
        '/api/v1/controllers',
      ]),
    );
    expect(Object.keys(openapi.components.schemas)).toEqual(
      expect.arrayContaining(['Problem', 'AxisStatus', 'MoveRecord', 'ControllerStatus']),
    );
    const docs = await call('GET', '/docs', { as: 'none' });
    expect(docs.statusCode).toBe(200);
    // Swagger UI from node_modules: every script and stylesheet is a local path, no CDN.
    const assets = [...docs.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    expect(assets.filter((a) => /^(https?:)?\/\//.test(a))).toEqual([]);
    const css = await call('GET', '/docs/static/swagger-ui.css', { as: 'none' });
    expect(css.statusCode).toBe(200);
    expect(css.body.length).toBeGreaterThan(1000);
  });

  it('/metrics can be public', async () => {
    await harness({
      patch: (raw) => {
        raw.metrics = { public: true };
      },
    });
    expect((await call('GET', '/metrics', { as: 'none' })).statusCode).toBe(200);
  });

  it('/readyz is 503 SERVICE_NOT_READY while a link is down', async () => {
    await harness();
    h.transports.unplug('fake://ctrl2');
    await settle();
    const body = await problem('SERVICE_NOT_READY', 503, 'GET', '/readyz', { as: 'none' });
    expect(body.controllers).toEqual([
      { id: 'ctrl1', state: 'ready' },
      { id: 'ctrl2', state: 'backoff' },
    ]);
  });

  it('unknown routes are ROUTE_NOT_FOUND problems', async () => {
    await harness();
    await problem('ROUTE_NOT_FOUND', 404, 'GET', '/api/v1/nope');
    await problem('ROUTE_NOT_FOUND', 404, 'DELETE', '/api/v1/axes/conveyor');
  });
});

describe('auth', () => {
  it('401 without a key, with an unknown key, or a malformed header; with a Bearer challenge', async () => {
    await harness();
    const none = await call('GET', '/api/v1/axes', { as: 'none' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="servo-edge"');
    await problem('UNAUTHORIZED', 401, 'GET', '/api/v1/axes', {
      as: 'none',
      headers: { authorization: 'Bearer not-a-configured-key-at-all' },
    });
    await problem('UNAUTHORIZED', 401, 'GET', '/api/v1/axes', {
      as: 'none',
      headers: { authorization: `Basic ${KEYS.admin}` },
    });
  });

  it('403 when the role is too low: viewer GETs only, operator moves, admin resets and reads config', async () => {
    await harness();
    expect((await call('GET', '/api/v1/axes', { as: 'viewer' })).statusCode).toBe(200);
    const forbidden = await problem('FORBIDDEN', 403, 'POST', '/api/v1/axes/conveyor/stop', { as: 'viewer' });
    expect(forbidden.requiredRole).toBe('operator');
    await problem('FORBIDDEN', 403, 'POST', '/api/v1/estop', { as: 'viewer' });
    await problem('FORBIDDEN', 403, 'POST', '/api/v1/estop/reset', { as: 'operator' });
    await problem('FORBIDDEN', 403, 'GET', '/api/v1/config', { as: 'operator' });
    const config = await call('GET', '/api/v1/config', { as: 'admin' });
    expect(config.statusCode).toBe(200);
    // The config is shown without any key material.
    expect(config.body).not.toContain(KEYS.viewer);
    expect(config.json().auth).toMatchObject({
      keys: [{ id: 'dash', role: 'viewer' }, { id: 'line' }, { id: 'root' }],
    });
  });

  // Every route that makes a controller do something, with a body it would accept, and the least role
  // it needs. A route without config.role needs operator because it is a POST; a role set on it by
  // mistake ('viewer') is caught here. The next test keeps this table complete.
  const COMMANDING_ROUTES: {
    method?: 'POST' | 'DELETE';
    route: string;
    url: string;
    body?: unknown;
    needs: 'operator' | 'admin';
  }[] = [
    {
      route: '/api/v1/axes/:name/move',
      url: '/api/v1/axes/conveyor/move',
      body: { position: 10 },
      needs: 'operator',
    },
    {
      route: '/api/v1/axes/:name/jog',
      url: '/api/v1/axes/conveyor/jog',
      body: { velocity: 10 },
      needs: 'operator',
    },
    {
      route: '/api/v1/axes/:name/jog/renew',
      url: '/api/v1/axes/conveyor/jog/renew',
      body: { leaseId: 'any' },
      needs: 'operator',
    },
    { route: '/api/v1/axes/:name/home', url: '/api/v1/axes/conveyor/home', needs: 'operator' },
    { route: '/api/v1/axes/:name/enable', url: '/api/v1/axes/reject-arm/enable', needs: 'operator' },
    { route: '/api/v1/axes/:name/disable', url: '/api/v1/axes/conveyor/disable', needs: 'operator' },
    { route: '/api/v1/axes/:name/stop', url: '/api/v1/axes/conveyor/stop', needs: 'operator' },
    {
      route: '/api/v1/moves',
      url: '/api/v1/moves',
      body: {
        axes: [
          { axis: 'conveyor', position: 10 },
          { axis: 'lift', position: 10 },
        ],
      },
      needs: 'operator',
    },
    {
      method: 'DELETE',
      route: '/api/v1/moves/:id',
      url: '/api/v1/moves/00000000-0000-0000-0000-000000000000',
      needs: 'operator',
    },
    { route: '/api/v1/estop', url: '/api/v1/estop', needs: 'operator' },
    { route: '/api/v1/estop/reset', url: '/api/v1/estop/reset', needs: 'admin' },
  ];

  it.each(COMMANDING_ROUTES.map((r) => [r.route, r] as const))(
    'a viewer gets 403 FORBIDDEN on %s and the controllers hear nothing',
    async (_route, { method, url, body, needs }) => {
      await harness();
      // Axes enabled and idle, so a request let through would reach a controller.
      await call('POST', '/api/v1/axes/conveyor/enable');
      await call('POST', '/api/v1/axes/lift/enable');
      await settle();
      const heard = () => [h.ctrl1.received.length, h.ctrl2.received.length];
      const before = heard();
      const answer = await call(method ?? 'POST', url, {
        as: 'viewer',
        ...(body === undefined ? {} : { body }),
      });
      expect({ status: answer.statusCode, code: answer.json().code }).toEqual({
        status: 403,
        code: 'FORBIDDEN',
      });
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.json().requiredRole).toBe(needs);
      await settle();
      expect(heard()).toEqual(before);
      expect(h.ctrl1.executedOf('MOVE')).toEqual([]);
      expect(h.ctrl2.executedOf('MOVE')).toEqual([]);
    },
  );

  it('the viewer table above lists every route that is not a GET', async () => {
    await harness();
    const commanding: string[] = [];
    h.app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (method !== 'GET' && method !== 'HEAD' && route.url.startsWith('/api/v1/'))
          commanding.push(`${method} ${route.url}`);
      }
    });
    await h.app.ready();
    expect(commanding.sort()).toEqual(
      COMMANDING_ROUTES.map((r) => `${r.method ?? 'POST'} ${r.route}`).sort(),
    );
  });

  it('accepts keys given as sha256 digests', async () => {
    const { createHash } = await import('node:crypto');
    const secret = 'a-key-stored-only-as-its-digest';
    await harness({
      patch: (raw) => {
        (raw.auth as { keys: unknown[] }).keys.push({
          id: 'hashed',
          sha256: createHash('sha256').update(secret).digest('hex'),
          role: 'viewer',
        });
      },
    });
    const ok = await call('GET', '/api/v1/axes', {
      as: 'none',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('rate-limits per key with 429 RATE_LIMITED, but never the e-stop', async () => {
    await harness({
      patch: (raw) => {
        (raw.auth as Record<string, unknown>).rateLimit = { maxRequests: 3, windowMs: 60_000 };
      },
    });
    for (let i = 0; i < 3; i++)
      expect((await call('GET', '/api/v1/axes', { as: 'viewer' })).statusCode).toBe(200);
    const limited = await call('GET', '/api/v1/axes', { as: 'viewer' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    await problem('RATE_LIMITED', 429, 'GET', '/api/v1/axes', { as: 'viewer' });
    // Another key has its own budget.
    expect((await call('GET', '/api/v1/axes', { as: 'operator' })).statusCode).toBe(200);
    for (let i = 0; i < 5; i++)
      expect((await call('POST', '/api/v1/estop', { as: 'operator' })).statusCode).toBe(200);
  });

  it('dev mode (auth disabled on loopback) lets every request through as admin, and says so in the log', async () => {
    const memory = createMemoryLogger();
    await harness({
      patch: (raw) => {
        raw.auth = { disabled: true };
      },
      app: { logger: memory.logger },
    });
    expect((await call('GET', '/api/v1/config', { as: 'none' })).statusCode).toBe(200);
    expect(memory.records[0]).toMatchObject({ level: 'warn', event: 'motion.auth.disabled' });
  });

  it('never logs a key (Authorization or the WebSocket protocol header), even when a handler logs the headers', async () => {
    const memory = createMemoryLogger('debug');
    const leaky: ApiPlugin = {
      plugin: async (app) => {
        app.get('/echo-headers', async (request) => {
          request.log.info({ headers: request.headers, req: { headers: request.headers } }, 'headers');
          return { ok: true };
        });
      },
    };
    await harness({ app: { logger: memory.logger, apiPlugins: [leaky] } });
    await call('GET', '/api/v1/echo-headers', {
      as: 'admin',
      headers: { 'sec-websocket-protocol': `servo-edge.key.${KEYS.viewer}` },
    });
    await call('GET', '/api/v1/axes', { as: 'none', headers: { authorization: `Bearer ${KEYS.operator}x` } });
    await call('POST', '/api/v1/axes/conveyor/move', { as: 'operator', body: { position: 1e9 } });
    const echoed = memory.events('headers');
    expect(echoed).toHaveLength(1);
    // `req` goes through fastify's request serialiser, which keeps no headers; `headers` is redacted.
    expect(echoed[0]!.fields).toMatchObject({
      headers: { authorization: '[redacted]', 'sec-websocket-protocol': '[redacted]' },
    });
    const log = JSON.stringify(memory.records);
    for (const key of Object.values(KEYS)) expect(log).not.toContain(key);
  });
});

describe('axes', () => {
  it('GET /axes and /axes/:name in user units; 404 AXIS_NOT_FOUND', async () => {
    await harness();
    const list = (await call('GET', '/api/v1/axes', { as: 'viewer' })).json() as { axes: { name: string }[] };
    expect(list.axes.map((a) => a.name)).toEqual(['conveyor', 'reject-arm', 'lift']);
    const arm = (await call('GET', '/api/v1/axes/reject-arm', { as: 'viewer' })).json();
    expect(arm).toMatchObject({
      unit: 'deg',
      homingRequired: true,
      limits: { min: -90, max: 90 },
      state: 'DISABLED',
    });
    const missing = await problem('AXIS_NOT_FOUND', 404, 'GET', '/api/v1/axes/nope', { as: 'viewer' });
    expect(missing.axis).toBe('nope');
    await problem('AXIS_NOT_FOUND', 404, 'POST', '/api/v1/axes/nope/move', { body: { position: 1 } });
  });

  it('enable, disable, stop, jog answer the axis state after the command', async () => {
    await harness();
    expect((await call('POST', '/api/v1/axes/conveyor/enable')).json()).toMatchObject({
      state: 'IDLE',
      enabled: true,
    });
    const jog = await call('POST', '/api/v1/axes/conveyor/jog', { body: { velocity: -50 } });
    expect(jog.json()).toMatchObject({ state: 'MOVING' });
    expect(h.ctrl1.executedOf('JOG').at(-1)!.args).toEqual({ axis: 1, vel: -5000, acc: 100000 });
    expect((await call('POST', '/api/v1/axes/conveyor/stop')).json()).toMatchObject({ state: 'IDLE' });
    expect((await call('POST', '/api/v1/axes/conveyor/disable')).json()).toMatchObject({ state: 'DISABLED' });
    // A JSON content type with an empty body is no body, not an error.
    const empty = await call('POST', '/api/v1/axes/conveyor/stop', {
      headers: { 'content-type': 'application/json' },
    });
    expect(empty.statusCode).toBe(200);
  });

  it('jog refusals: velocity above the max, device errors', async () => {
    await harness();
    await problem('VELOCITY_OUT_OF_RANGE', 422, 'POST', '/api/v1/axes/conveyor/jog', {
      body: { velocity: 501 },
    });
    await problem('ACCELERATION_OUT_OF_RANGE', 422, 'POST', '/api/v1/axes/conveyor/jog', {
      body: { velocity: 1, acceleration: 5001 },
    });
    await call('POST', '/api/v1/axes/conveyor/enable');
    h.ctrl1.refuseNext('JOG', 'VERB');
    const body = await problem('DEVICE_ERROR', 502, 'POST', '/api/v1/axes/conveyor/jog', {
      body: { velocity: 1 },
    });
    expect(body.deviceCode).toBe('VERB');
  });

  it('home: 202 homing, ?wait=true 200 homed, HOMING_FAILED on FAULT HOME', async () => {
    await harness();
    await call('POST', '/api/v1/axes/reject-arm/enable');
    const started = await call('POST', '/api/v1/axes/reject-arm/home');
    expect({ status: started.statusCode, body: started.json() }).toEqual({
      status: 202,
      body: { axis: 'reject-arm', status: 'homing' },
    });
    h.ctrl1.finishHome(2);
    await settle();
    const waiting = call('POST', '/api/v1/axes/reject-arm/home?wait=true');
    await until(() => h.ctrl1.axes[1]!.st === 'HOMING', 'homing');
    h.ctrl1.finishHome(2);
    const homed = await waiting;
    expect({ status: homed.statusCode, body: homed.json() }).toEqual({
      status: 200,
      body: { axis: 'reject-arm', status: 'homed' },
    });
    const failing = problem('HOMING_FAILED', 409, 'POST', '/api/v1/axes/reject-arm/home?wait=true');
    await until(() => h.ctrl1.axes[1]!.st === 'HOMING', 'homing');
    h.ctrl1.finishHome(2, false);
    await failing;
  });
});

describe('moves', () => {
  it('202 {moveId, status: queued} with a Location; GET /moves/:id; ?wait=true 200 on DONE', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    const accepted = await call('POST', '/api/v1/axes/conveyor/move', { body: { position: 10 } });
    expect(accepted.statusCode).toBe(202);
    const { moveId, status } = accepted.json() as { moveId: string; status: string };
    expect(status).toBe('queued');
    expect(accepted.headers.location).toBe(`/api/v1/moves/${moveId}`);
    const record = (await call('GET', `/api/v1/moves/${moveId}`, { as: 'viewer' })).json();
    expect(record).toMatchObject({
      moveId,
      kind: 'single',
      status: 'queued',
      legs: [{ axis: 'conveyor', targetPosition: 10 }],
    });
    h.ctrl1.finishMove(1);
    const waiting = call('POST', '/api/v1/axes/conveyor/move?wait=true', {
      body: { distance: 5, velocity: 100 },
    });
    await until(() => h.ctrl1.axes[0]!.queue.length === 1, 'queued');
    h.ctrl1.finishMove(1);
    const done = await waiting;
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({
      status: 'done',
      legs: [{ targetPosition: 15, finalPosition: 15, velocity: 100 }],
    });
    await problem('MOVE_NOT_FOUND', 404, 'GET', '/api/v1/moves/00000000-0000-0000-0000-000000000000', {
      as: 'viewer',
    });
  });

  it('?wait=true answers 202 with the current status when the wait runs out', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    const waiting = call('POST', '/api/v1/axes/conveyor/move?wait=true&timeoutMs=500', {
      body: { position: 1 },
    });
    await until(() => h.ctrl1.axes[0]!.queue.length === 1, 'queued');
    await settle();
    h.clock.advanceBy(500);
    const answer = await waiting;
    expect({ status: answer.statusCode, moveStatus: answer.json().status }).toEqual({
      status: 202,
      moveStatus: 'queued',
    });
  });

  it("a path parameter beyond the router's maxParamLength is 414 URI_TOO_LONG as problem+json, a bad URL component 400", async () => {
    await harness();
    const long = 'a'.repeat(101);
    const tooLong = await call('GET', `/api/v1/axes/${long}`, { as: 'viewer' });
    expect(tooLong.statusCode).toBe(414);
    expect(tooLong.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(tooLong.json().code).toBe('URI_TOO_LONG');
    await problem('URI_TOO_LONG', 414, 'POST', `/api/v1/axes/${long}/move`, { body: { position: 1 } });
    await problem('URI_TOO_LONG', 414, 'GET', `/api/v1/moves/${long}`, { as: 'viewer' });
    await problem('BAD_REQUEST', 400, 'GET', '/api/v1/axes/%E0%A4%A', { as: 'viewer' });
    // The router refused them before any route ran: nothing reached the controllers.
    expect(h.ctrl1.executedOf('MOVE')).toHaveLength(0);
  });

  it('validation: 400 for the schema, 415 for other media, 400 for malformed JSON, 422 for impossible moves', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    const extra = await problem('VALIDATION_FAILED', 400, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 1, speed: 3 },
    });
    expect(extra.errors).toEqual([{ path: 'body/speed', message: 'must NOT have additional properties' }]);
    await problem('VALIDATION_FAILED', 400, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 'far' },
    });
    await problem('VALIDATION_FAILED', 400, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 1, velocity: 0 },
    });
    await problem('VALIDATION_FAILED', 400, 'POST', '/api/v1/axes/conveyor/jog', { body: {} });
    await problem('VALIDATION_FAILED', 400, 'POST', '/api/v1/axes/conveyor/move?wait=maybe', {
      body: { position: 1 },
    });
    await problem('VALIDATION_FAILED', 400, 'POST', '/api/v1/moves', { body: { axes: [] } });
    await problem('BAD_REQUEST', 400, 'POST', '/api/v1/axes/conveyor/move', {
      body: '{"position": 1',
      headers: { 'content-type': 'application/json' },
    });
    await problem('UNSUPPORTED_MEDIA_TYPE', 415, 'POST', '/api/v1/axes/conveyor/move', {
      body: 'position=1',
      headers: { 'content-type': 'text/plain' },
    });
    await problem('INVALID_MOVE', 422, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 1, distance: 1 },
    });
    await problem('INVALID_MOVE', 422, 'POST', '/api/v1/axes/conveyor/move', { body: {} });
    await problem('TARGET_OUT_OF_RANGE', 422, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 1000.01 },
    });
    await problem('VELOCITY_OUT_OF_RANGE', 422, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 1, velocity: 500.5 },
    });
    await problem('ACCELERATION_OUT_OF_RANGE', 422, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 1, acceleration: 6000 },
    });
    expect(h.ctrl1.executedOf('MOVE')).toHaveLength(0);
  });

  it('409s: disabled, not homed, e-stop, fault, queue full, busy', async () => {
    await harness();
    await problem('AXIS_DISABLED', 409, 'POST', '/api/v1/axes/conveyor/move', { body: { position: 1 } });
    await call('POST', '/api/v1/axes/reject-arm/enable');
    await problem('AXIS_NOT_HOMED', 409, 'POST', '/api/v1/axes/reject-arm/move', { body: { position: 1 } });
    await call('POST', '/api/v1/axes/conveyor/enable');
    for (let i = 1; i <= 4; i++) await call('POST', '/api/v1/axes/conveyor/move', { body: { position: i } });
    const full = await problem('AXIS_QUEUE_FULL', 409, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 5 },
    });
    expect(full).toMatchObject({ moveStatus: 'failed', deviceCode: 'QFULL' });
    await call('POST', '/api/v1/axes/lift/enable');
    await problem('AXIS_BUSY', 409, 'POST', '/api/v1/moves', {
      body: {
        axes: [
          { axis: 'conveyor', position: 1 },
          { axis: 'lift', position: 1 },
        ],
      },
    });
    h.ctrl2.fault(1, 'FERR');
    await settle();
    const fault = await problem('AXIS_FAULT', 409, 'POST', '/api/v1/axes/lift/move', {
      body: { position: 1 },
    });
    expect(fault.deviceCode).toBe('FERR');
    await call('POST', '/api/v1/estop');
    await problem('AXIS_ESTOP', 409, 'POST', '/api/v1/axes/conveyor/move', { body: { position: 1 } });
    await problem('AXIS_ESTOP', 409, 'POST', '/api/v1/axes/conveyor/enable');
  });

  it('device ERR RANGE is 422 DEVICE_REJECTED_RANGE', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    h.ctrl1.refuseNext('MOVE', 'RANGE');
    const body = await problem('DEVICE_REJECTED_RANGE', 422, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 1 },
    });
    expect(body).toMatchObject({ moveStatus: 'failed', deviceCode: 'RANGE', axis: 'conveyor' });
  });

  it('device ERR ESTOP is 409 AXIS_ESTOP, not AXIS_BUSY, for a move and for a command', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    // The host has latched no e-stop: only the controller knows (its own e-stop input), and refuses.
    h.ctrl1.refuseNext('MOVE', 'ESTOP');
    const move = await problem('AXIS_ESTOP', 409, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 1 },
    });
    expect(move).toMatchObject({ moveStatus: 'failed', deviceCode: 'ESTOP', axis: 'conveyor' });
    h.ctrl1.refuseNext('JOG', 'ESTOP');
    const jog = await problem('AXIS_ESTOP', 409, 'POST', '/api/v1/axes/conveyor/jog', {
      body: { velocity: 1 },
    });
    expect(jog).toMatchObject({ deviceCode: 'ESTOP', axis: 'conveyor' });
  });

  it('the lower soft limit: a target below minUnits, by position or by distance, is 422 TARGET_OUT_OF_RANGE and never sent', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    await call('POST', '/api/v1/axes/lift/enable');
    // conveyor: minUnits -10, at 0. lift: minUnits 0, at 0.
    const below = await problem('TARGET_OUT_OF_RANGE', 422, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: -10.01 },
    });
    expect(below.axis).toBe('conveyor');
    await problem('TARGET_OUT_OF_RANGE', 422, 'POST', '/api/v1/axes/conveyor/move', {
      body: { distance: -10.01 },
    });
    await problem('TARGET_OUT_OF_RANGE', 422, 'POST', '/api/v1/axes/lift/move', {
      body: { distance: -0.02 },
    });
    // One leg below its limit refuses the whole coordinated move before any leg is sent.
    await problem('TARGET_OUT_OF_RANGE', 422, 'POST', '/api/v1/moves', {
      body: {
        axes: [
          { axis: 'conveyor', position: 10 },
          { axis: 'lift', distance: -0.02 },
        ],
      },
    });
    expect(h.ctrl1.executedOf('MOVE')).toEqual([]);
    expect(h.ctrl2.executedOf('MOVE')).toEqual([]);
    // A relative move ends where the open moves end: -5, then -5.01 more would land at -10.01.
    expect((await call('POST', '/api/v1/axes/conveyor/move', { body: { position: -5 } })).statusCode).toBe(
      202,
    );
    await problem('TARGET_OUT_OF_RANGE', 422, 'POST', '/api/v1/axes/conveyor/move', {
      body: { distance: -5.01 },
    });
    // The limit itself is inside.
    expect((await call('POST', '/api/v1/axes/conveyor/move', { body: { distance: -5 } })).statusCode).toBe(
      202,
    );
    expect(h.ctrl1.executedOf('MOVE').map((e) => e.args.pos)).toEqual([-500, -1000]);
  });

  it('?wait=true on a move that is stopped: 409 MOVE_ABORTED with its id', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    const waiting = problem('MOVE_ABORTED', 409, 'POST', '/api/v1/axes/conveyor/move?wait=true', {
      body: { position: 7 },
    });
    await until(() => h.ctrl1.axes[0]!.queue.length === 1, 'queued');
    await call('POST', '/api/v1/axes/conveyor/stop');
    const body = await waiting;
    expect(body).toMatchObject({ moveStatus: 'aborted' });
    expect((await call('GET', `/api/v1/moves/${body.moveId}`)).json()).toMatchObject({ status: 'aborted' });
  });

  it('POST /moves: coordinated, 202 then ?wait=true 200', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    await call('POST', '/api/v1/axes/lift/enable');
    const accepted = await call('POST', '/api/v1/moves', {
      body: {
        axes: [
          { axis: 'conveyor', position: 100 },
          { axis: 'lift', position: 50, velocity: 20 },
        ],
      },
    });
    expect(accepted.statusCode).toBe(202);
    const record = (await call('GET', `/api/v1/moves/${accepted.json().moveId}`)).json() as {
      legs: { axis: string; velocity: number }[];
    };
    // The lift at 20 mm/s over 50 mm sets the pace: the conveyor runs 40 mm/s over 100 mm.
    expect(record.legs.map((l) => [l.axis, l.velocity])).toEqual([
      ['conveyor', 40],
      ['lift', 20],
    ]);
    h.ctrl1.finishMove(1);
    h.ctrl2.finishMove(1);
    await settle();
    const waiting = call('POST', '/api/v1/moves?wait=true', {
      body: {
        axes: [
          { axis: 'conveyor', distance: -10 },
          { axis: 'lift', distance: -5 },
        ],
      },
    });
    await until(() => h.ctrl2.axes[0]!.queue.length === 1, 'queued');
    h.ctrl1.finishMove(1);
    h.ctrl2.finishMove(1);
    const done = await waiting;
    expect({ status: done.statusCode, moveStatus: done.json().status }).toEqual({
      status: 200,
      moveStatus: 'done',
    });
    await problem('AXIS_NOT_FOUND', 404, 'POST', '/api/v1/moves', {
      body: { axes: [{ axis: 'nope', position: 1 }] },
    });
  });
});

describe('link failures', () => {
  it('503 CONTROLLER_DISCONNECTED while a controller is unplugged', async () => {
    await harness();
    h.transports.unplug('fake://ctrl2');
    await settle();
    const body = await problem('CONTROLLER_DISCONNECTED', 503, 'POST', '/api/v1/axes/lift/enable');
    expect(body.controller).toBe('ctrl2');
    await problem('CONTROLLER_DISCONNECTED', 503, 'POST', '/api/v1/axes/lift/move', {
      body: { position: 1 },
    });
    const controllers = (await call('GET', '/api/v1/controllers', { as: 'viewer' })).json() as {
      controllers: Record<string, unknown>[];
    };
    expect(controllers.controllers[1]).toMatchObject({
      id: 'ctrl2',
      state: 'backoff',
      connected: false,
      lastError: { code: 'LINK_CLOSED' },
    });
    expect(controllers.controllers[0]).toMatchObject({ state: 'ready', retransmits: 0, crcErrors: 0 });
    expect(controllers.controllers[0]!.bytesOut).toBeGreaterThan(0);
  });

  it('503 MOVE_OUTCOME_UNKNOWN when the link drops with the move on the wire', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    h.ctrl1.withholdReplies = true;
    const pending = problem('MOVE_OUTCOME_UNKNOWN', 503, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 3 },
    });
    await until(() => h.ctrl1.executedOf('MOVE').length === 1, 'MOVE executed');
    h.transports.unplug('fake://ctrl1');
    const body = await pending;
    expect(body.moveStatus).toBe('unknown');
    expect((await call('GET', `/api/v1/moves/${body.moveId}`)).json()).toMatchObject({ status: 'unknown' });
  });

  it('504 DEVICE_TIMEOUT when the controller does not answer', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    h.ctrl1.withholdReplies = true;
    const pending = problem('DEVICE_TIMEOUT', 504, 'POST', '/api/v1/axes/conveyor/stop');
    await until(() => h.ctrl1.executedOf('STOP').length === 1, 'STOP executed');
    await h.stepUntil(() => h.service.controllers()[0]!.state !== 'ready');
    await pending;
  });

  it('503 CONTROLLER_BUSY when the link queue is full', async () => {
    await harness({
      patch: (raw) => {
        (raw.controllers as Record<string, unknown>[])[0]!.maxPendingRequests = 1;
      },
    });
    h.ctrl1.deaf = true;
    // win=8 frames in flight, 1 waiting: the tenth is refused at once.
    const stops = Array.from({ length: 9 }, () => call('POST', '/api/v1/axes/conveyor/stop'));
    await until(() => h.service.controllers()[0]!.pendingRequests === 9, 'queue filled');
    await problem('CONTROLLER_BUSY', 503, 'POST', '/api/v1/axes/conveyor/stop');
    await h.close();
    expect((await Promise.all(stops)).map((r) => r.statusCode)).toEqual(Array(9).fill(503));
  });
});

describe('driver capabilities', () => {
  it('GET /controllers reports each driver and what it can do', async () => {
    await harness();
    const { controllers } = (await call('GET', '/api/v1/controllers', { as: 'viewer' })).json() as {
      controllers: Record<string, unknown>[];
    };
    expect(controllers.map((c) => c.driver)).toEqual(['servo-edge', 'servo-edge']);
    expect(controllers[0]!.capabilities).toEqual({
      protocol: 'servo-edge/1',
      moveQueue: 'device',
      completion: 'event',
      position: 'homing',
      hardwareWatchdog: true,
      positionTriggeredMoves: false,
      positionTriggeredSteps: false,
      realtimeStop: true,
      // The harness's fake controllers speak v1 (§v2 Negotiation falls back): no v2 capability.
      eventDelivery: 'best-effort',
      jogLease: 'host',
      maxPositionCounts: 2 ** 31 - 1,
      commands: { power: 'native', home: 'native', jog: 'native', coordinatedStart: 'host' },
    });
    expect(controllers[0]).toMatchObject({
      proto: 1,
      features: [],
      missingFeatures: ['TRIG', 'TSTEP', 'LEASE'],
    });
  });

  it('409 NOT_SUPPORTED_BY_CONTROLLER for what a driver declares it cannot do; nothing reaches the wire', async () => {
    await harness({
      drivers: {
        'servo-edge': limitedServoEdge({ position: 'absolute', commands: { home: 'none', jog: 'none' } }),
      },
    });
    const sentBefore = h.ctrl1.executed.length;
    const home = await problem('NOT_SUPPORTED_BY_CONTROLLER', 409, 'POST', '/api/v1/axes/reject-arm/home');
    expect(home).toMatchObject({ axis: 'reject-arm', controller: 'ctrl1', capability: 'home' });
    await problem('NOT_SUPPORTED_BY_CONTROLLER', 409, 'POST', '/api/v1/axes/conveyor/jog', {
      body: { velocity: 1 },
    });
    expect(h.ctrl1.executed.length).toBe(sentBefore);
    // An absolute-position axis is homed from the start: a move needs no MC_Home.
    expect((await call('GET', '/api/v1/axes/reject-arm', { as: 'viewer' })).json()).toMatchObject({
      homed: true,
      homingRequired: true,
    });
    await call('POST', '/api/v1/axes/reject-arm/enable');
    const move = await call('POST', '/api/v1/axes/reject-arm/move', { body: { position: 5 } });
    expect(move.statusCode).toBe(202);
    expect(h.ctrl1.executedOf('MOVE')).toHaveLength(1);
  });
});

describe('e-stop', () => {
  it('POST /estop reaches every controller while a queue is full; reset needs admin and clears the latch', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    for (let i = 1; i <= 4; i++) await call('POST', '/api/v1/axes/conveyor/move', { body: { position: i } });
    await problem('AXIS_QUEUE_FULL', 409, 'POST', '/api/v1/axes/conveyor/move', { body: { position: 5 } });
    const estop = await call('POST', '/api/v1/estop', { headers: { 'content-type': 'application/json' } });
    expect({ status: estop.statusCode, body: estop.json() }).toEqual({
      status: 200,
      body: {
        delivered: true,
        controllers: [
          { id: 'ctrl1', delivered: true },
          { id: 'ctrl2', delivered: true },
        ],
      },
    });
    await settle();
    expect(h.ctrl1.axes.every((a) => a.st === 'ESTOP')).toBe(true);
    expect(h.ctrl2.axes.every((a) => a.st === 'ESTOP')).toBe(true);
    expect(h.ctrl1.axes[0]!.queue).toEqual([]);
    const reset = await call('POST', '/api/v1/estop/reset', { as: 'admin' });
    expect(reset.json()).toEqual({
      ok: true,
      controllers: [
        { id: 'ctrl1', ok: true, code: null },
        { id: 'ctrl2', ok: true, code: null },
      ],
    });
    expect((await call('GET', '/api/v1/axes/conveyor')).json()).toMatchObject({
      estop: false,
      state: 'DISABLED',
    });
  });

  it('503 ESTOP_NOT_DELIVERED names the controller it could not reach', async () => {
    await harness();
    h.transports.unplug('fake://ctrl2');
    await settle();
    const body = await problem('ESTOP_NOT_DELIVERED', 503, 'POST', '/api/v1/estop');
    expect(body.controllers).toEqual([
      { id: 'ctrl1', delivered: true },
      { id: 'ctrl2', delivered: false },
    ]);
    await problem('CONTROLLER_DISCONNECTED', 503, 'POST', '/api/v1/estop/reset', { as: 'admin' });
  });

  it('409 ESTOP_INPUT_ACTIVE when a controller refuses the reset', async () => {
    await harness();
    await call('POST', '/api/v1/estop');
    h.ctrl2.estopInput = true;
    const body = await problem('ESTOP_INPUT_ACTIVE', 409, 'POST', '/api/v1/estop/reset', { as: 'admin' });
    expect(body.controllers).toEqual([
      { id: 'ctrl1', ok: true, code: null },
      { id: 'ctrl2', ok: false, code: 'ESTOP_INPUT_ACTIVE' },
    ]);
  });
});

describe('composition', () => {
  it('gateway routes added with apiPlugins sit behind the same auth and problem+json; a bug is a 500', async () => {
    const line: ApiPlugin = {
      plugin: async (app) => {
        app.get('/line', async () => ({ state: 'IDLE' }));
        app.post('/line/start', { config: { role: 'admin' } }, async () => {
          throw new Error('boom: a secret detail that must not leak');
        });
        // A gateway's own code from the registry (axis ownership) renders like any other.
        app.post('/line/jog', async () => {
          throw new MotionError('AXIS_OWNED_BY_LINE', undefined, { axis: 'conveyor' });
        });
      },
    };
    await harness({ app: { apiPlugins: [line] } });
    expect((await call('GET', '/api/v1/line', { as: 'viewer' })).json()).toEqual({ state: 'IDLE' });
    await problem('UNAUTHORIZED', 401, 'GET', '/api/v1/line', { as: 'none' });
    await problem('FORBIDDEN', 403, 'POST', '/api/v1/line/start', { as: 'operator' });
    const bug = await problem('INTERNAL_ERROR', 500, 'POST', '/api/v1/line/start', { as: 'admin' });
    expect(JSON.stringify(bug)).not.toContain('secret detail');
    expect(
      await problem('AXIS_OWNED_BY_LINE', 409, 'POST', '/api/v1/line/jog', { as: 'operator' }),
    ).toMatchObject({
      axis: 'conveyor',
    });
  });
});

describe('WebSocket', () => {
  it('GET /api/v1/stream needs a key, then sends a snapshot', async () => {
    await harness();
    await h.app.ready();
    await expect(h.app.injectWS('/api/v1/stream')).rejects.toThrow(/401/);
    let first: Promise<string> | undefined;
    const socket = await h.app.injectWS(
      '/api/v1/stream?rateHz=5',
      { headers: AUTH.viewer },
      {
        // Listen before the upgrade completes: the snapshot is sent at once.
        onInit: (ws) => {
          first = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
        },
      },
    );
    expect(JSON.parse(await first!)).toMatchObject({
      type: 'snapshot',
      axes: [{ name: 'conveyor' }, {}, {}],
    });
    socket.terminate();
  });
});

describe('protocol v2 (PROTOCOL.md §v2)', () => {
  const v2 = (options: HarnessOptions = {}) => harness({ maxProtocol: 2, ...options });
  const controllers = async () =>
    (await call('GET', '/api/v1/controllers', { as: 'viewer' })).json().controllers as Record<
      string,
      unknown
    >[];

  it('GET /controllers: proto and features as negotiated; maxProtocol 1 keeps a v2 controller on v1', async () => {
    await v2({
      patch: (raw) => {
        (raw.controllers as Record<string, unknown>[])[1]!.maxProtocol = 1;
      },
    });
    // §v2 Negotiation: ctrl1 asked for 2 and got it; ctrl2 asked for 1 and got exactly v1.
    expect([h.ctrl1.protocolVersion, h.ctrl2.protocolVersion]).toEqual([2, 1]);
    const [c1, c2] = await controllers();
    expect(c1).toMatchObject({
      proto: 2,
      features: ['TRIG', 'LEASE'],
      // The fake implements TMOVE but not the optional TSTEP (§v2 Triggered steps).
      missingFeatures: ['TSTEP'],
      device: { proto: 2, ev: 16, pmax: 2 ** 47 - 1, feat: ['TRIG', 'LEASE'] },
      capabilities: {
        protocol: 'servo-edge/2',
        eventDelivery: 'exactly-once',
        positionTriggeredMoves: true,
        jogLease: 'native',
        maxPositionCounts: 2 ** 47 - 1,
        commands: { jog: 'native' },
      },
      events: { delivered: 0, duplicates: 0, gaps: 0, acks: 0, overflows: 0 },
    });
    expect(c2).toMatchObject({
      proto: 1,
      features: [],
      missingFeatures: ['TRIG', 'TSTEP', 'LEASE'],
      capabilities: { protocol: 'servo-edge/1', eventDelivery: 'best-effort', jogLease: 'host' },
    });
    // A move on the v2 link: its DONE is a sequenced event, delivered and acknowledged (§v2 Events).
    await call('POST', '/api/v1/axes/conveyor/enable');
    const waiting = call('POST', '/api/v1/axes/conveyor/move?wait=true', { body: { position: 10 } });
    await until(() => h.ctrl1.axes[0]!.queue.length === 1, 'queued');
    h.ctrl1.finishMove(1);
    expect((await waiting).json()).toMatchObject({ status: 'done', legs: [{ finalPosition: 10 }] });
    await h.stepUntil(() => h.ctrl1.session.unacknowledgedEvents === 0);
    expect((await controllers())[0]).toMatchObject({ events: { delivered: 1, acks: 1 } });
    const metrics = (await call('GET', '/metrics', { as: 'viewer' })).body;
    expect(metrics).toContain('motion_link_events_delivered_total{controller="ctrl1"} 1');
    expect(metrics).toContain('motion_link_event_resends_total{controller="ctrl1"} 0');
  });

  it('64-bit positions (§v2 Positions): counts up to pmax on v2, ±(2^31-1) on v1, never beyond 2^53-1', async () => {
    await v2({
      patch: (raw) => {
        (raw.controllers as Record<string, unknown>[])[1]!.maxProtocol = 1;
        const axes = raw.axes as Record<string, unknown>[];
        // A conveyor that runs for years: ±9e13 mm at 100 counts/mm is ±9e15 counts.
        Object.assign(axes[0]!, { minUnits: -9e13, maxUnits: 9e13 });
        Object.assign(axes[2]!, { maxUnits: 1e8 });
      },
    });
    // 1. The soft limits go on the wire clamped to what each link carries.
    expect(h.ctrl1.axes[0]!.limits).toMatchObject({ MIN: -(2 ** 47 - 1), MAX: 2 ** 47 - 1 });
    expect(h.ctrl2.axes[0]!.limits).toMatchObject({ MAX: 2 ** 31 - 1 });
    await call('POST', '/api/v1/axes/conveyor/enable');
    await call('POST', '/api/v1/axes/lift/enable');
    // 2. 10^12 mm is 10^14 counts: beyond int32, within pmax.
    const far = await call('POST', '/api/v1/axes/conveyor/move', { body: { position: 1e12 } });
    expect(far.statusCode).toBe(202);
    expect(h.ctrl1.executedOf('MOVE').at(-1)!.args.pos).toBe(1e14);
    h.ctrl1.finishMove(1);
    await until(() => h.service.getMove(far.json().moveId as string).status === 'done', 'done');
    expect((await call('GET', '/api/v1/axes/conveyor')).json()).toMatchObject({ position: 1e12 });
    // 3. Beyond pmax (2^47-1 counts) on v2, beyond 2^31-1 on v1: refused on the host, nothing sent.
    const moves = h.ctrl1.executedOf('MOVE').length;
    expect(
      await problem('POSITION_NOT_REPRESENTABLE', 422, 'POST', '/api/v1/axes/conveyor/move', {
        body: { position: 2e12 },
      }),
    ).toMatchObject({ axis: 'conveyor', maxPositionCounts: 2 ** 47 - 1 });
    expect(
      await problem('POSITION_NOT_REPRESENTABLE', 422, 'POST', '/api/v1/axes/lift/move', {
        body: { position: 5e7 },
      }),
    ).toMatchObject({ maxPositionCounts: 2 ** 31 - 1 });
    expect(h.ctrl1.executedOf('MOVE')).toHaveLength(moves);
    expect(h.ctrl2.executedOf('MOVE')).toHaveLength(0);
    // 4. A JSON number beyond 2^53-1 is not exact: refused by the schema.
    await problem('VALIDATION_FAILED', 400, 'POST', '/api/v1/axes/conveyor/move', {
      body: { position: 2 ** 53 },
    });
  });

  it('jog lease on a v2 controller: renewals keep it going; unrenewed, the controller stops it at the lease', async () => {
    await v2();
    await call('POST', '/api/v1/axes/conveyor/enable');
    // 1. A held jog: the lease rides on the JOG (§v2 Jog lease) and the answer carries its id.
    const jog = await call('POST', '/api/v1/axes/conveyor/jog', { body: { velocity: 50, leaseMs: 200 } });
    expect(jog.json()).toMatchObject({ state: 'MOVING', lease: { leaseMs: 200, enforcedBy: 'controller' } });
    const leaseId = (jog.json().lease as { id: string }).id;
    // 2. Renewed before it runs out: still jogging past the first expiry.
    h.clock.advanceBy(150);
    const renewed = await call('POST', '/api/v1/axes/conveyor/jog/renew', { body: { leaseId } });
    expect([renewed.statusCode, renewed.body]).toEqual([204, '']);
    expect(h.ctrl1.executedOf('JOG')).toHaveLength(1);
    h.clock.advanceBy(199);
    await settle();
    expect(h.ctrl1.axes[0]!.jogging).toBe(true);
    // 3. Not renewed again: the controller stops the axis at exactly the lease and reports LEASE,
    //    which the host hears one reply time later, without advancing the clock further.
    h.clock.advanceBy(1);
    expect(h.ctrl1.axes[0]!.jogging).toBe(false);
    await until(() => h.events.some((e) => e.type === 'device' && e.event === 'LEASE'), 'LEASE');
    await until(() => h.service.axis('conveyor').state === 'IDLE', 'IDLE');
    await problem('JOG_LEASE_NOT_FOUND', 404, 'POST', '/api/v1/axes/conveyor/jog/renew', {
      body: { leaseId },
    });
  });

  it('jog lease on a v1 controller: the API times it and stops the axis at the lease', async () => {
    await harness();
    await call('POST', '/api/v1/axes/conveyor/enable');
    const jog = await call('POST', '/api/v1/axes/conveyor/jog', { body: { velocity: -50 } });
    // The default lease; on the wire a v1 JOG (no lease argument).
    expect(jog.json()).toMatchObject({ lease: { leaseMs: 500, enforcedBy: 'host' } });
    expect(h.ctrl1.executedOf('JOG').at(-1)!.args).not.toHaveProperty('lease');
    h.clock.advanceBy(499);
    await settle();
    expect(h.ctrl1.executedOf('STOP')).toHaveLength(0);
    // No renewal: the host's timer sends STOP; the axis is stopped one reply time later.
    h.clock.advanceBy(1);
    await until(() => h.ctrl1.executedOf('STOP').length === 1, 'STOP');
    expect(h.ctrl1.axes[0]!.jogging).toBe(false);
    expect(h.events).toContainEqual(
      expect.objectContaining({
        type: 'device',
        event: 'LEASE',
        axis: 'conveyor',
        fields: expect.objectContaining({ enforcedBy: 'host' }),
      }),
    );
    await until(() => h.service.axis('conveyor').state === 'IDLE', 'IDLE');
  });

  it('position-triggered move: armed, STARTED with the device time, done; cancel with DELETE; LATE is aborted', async () => {
    await v2();
    await call('POST', '/api/v1/axes/conveyor/enable');
    await call('POST', '/api/v1/axes/reject-arm/enable');
    await call('POST', '/api/v1/axes/reject-arm/home');
    h.ctrl1.finishHome(2);
    await until(() => h.service.axis('reject-arm').homed, 'homed');
    const trigger = { axis: 'conveyor', position: 100, direction: 'increasing' };
    // 1. Armed on the controller: TMOVE to 45 deg once the conveyor passes 100 mm upward.
    const armed = await call('POST', '/api/v1/axes/reject-arm/move', { body: { position: 45, trigger } });
    expect(armed.statusCode).toBe(202);
    expect(h.ctrl1.executedOf('TMOVE').at(-1)!.args).toMatchObject({
      axis: 2,
      pos: 450,
      src: 1,
      at: 10000,
      dir: 1,
    });
    const moveId = armed.json().moveId as string;
    const record = () => call('GET', `/api/v1/moves/${moveId}`, { as: 'viewer' }).then((r) => r.json());
    expect(await record()).toMatchObject({ status: 'queued', legs: [{ trigger, started: null }] });
    // 2. The conveyor crosses: STARTED with the controller's clock, then DONE.
    h.ctrl1.fire(2, 81_234_567);
    await until(() => h.service.getMove(moveId).legs[0]!.started != null, 'STARTED');
    expect(await record()).toMatchObject({
      status: 'queued',
      legs: [{ started: { deviceTimeMs: 81_234_567 } }],
    });
    expect(h.events).toContainEqual(
      expect.objectContaining({ type: 'device', event: 'STARTED', axis: 'reject-arm' }),
    );
    h.ctrl1.finishMove(2);
    await until(() => h.service.getMove(moveId).status === 'done', 'done');
    // 3. Armed again, then cancelled: DELETE stops the axis, the armed move ends aborted.
    const second = await call('POST', '/api/v1/axes/reject-arm/move', { body: { position: 0, trigger } });
    const cancelled = await call('DELETE', `/api/v1/moves/${second.json().moveId}`);
    expect(cancelled.statusCode).toBe(200);
    await until(() => h.service.getMove(second.json().moveId as string).status === 'aborted', 'aborted');
    // 4. A trigger already passed when armed: ABORTED why=LATE (a late stroke hits the wrong product).
    const late = await problem('MOVE_ABORTED', 409, 'POST', '/api/v1/axes/reject-arm/move?wait=true', {
      body: { position: 10, trigger: { ...trigger, position: -5 } },
    });
    expect(h.service.getMove(late.moveId as string).error).toMatchObject({
      code: 'MOVE_ABORTED',
      reason: 'LATE',
    });
    // 5. The trigger axis must be another axis of the same controller.
    await problem('INVALID_MOVE', 422, 'POST', '/api/v1/axes/reject-arm/move', {
      body: { position: 10, trigger: { ...trigger, axis: 'lift' } },
    });
    await problem('INVALID_MOVE', 422, 'POST', '/api/v1/axes/reject-arm/move', {
      body: { position: 10, trigger: { ...trigger, axis: 'reject-arm' } },
    });
  });

  it('the WebSocket stream shows a triggered move firing: a STARTED device event and the move with started', async () => {
    await v2();
    await call('POST', '/api/v1/axes/conveyor/enable');
    await call('POST', '/api/v1/axes/lift/enable');
    await h.app.ready();
    const messages: { type: string; events?: Record<string, unknown>[] }[] = [];
    const socket = await h.app.injectWS('/api/v1/stream?rateHz=10', { headers: AUTH.viewer });
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await call('POST', '/api/v1/axes/reject-arm/enable');
    await call('POST', '/api/v1/axes/reject-arm/home');
    h.ctrl1.finishHome(2);
    await until(() => h.service.axis('reject-arm').homed, 'homed');
    const armed = await call('POST', '/api/v1/axes/reject-arm/move', {
      body: { position: 20, trigger: { axis: 'conveyor', positionCounts: 5000, direction: 'increasing' } },
    });
    const moveId = armed.json().moveId as string;
    h.ctrl1.fire(2, 4242);
    await until(() => h.service.getMove(moveId).legs[0]!.started != null, 'STARTED');
    h.clock.advanceBy(100);
    const events = () => messages.flatMap((m) => (m.type === 'update' ? (m.events ?? []) : []));
    await until(
      () => events().some((e) => e.type === 'device' && e.event === 'STARTED'),
      'STARTED on the stream',
    );
    expect(events()).toContainEqual(
      expect.objectContaining({
        type: 'device',
        event: 'STARTED',
        axis: 'reject-arm',
        fields: expect.objectContaining({ t: 4242 }),
      }),
    );
    expect(events()).toContainEqual(
      expect.objectContaining({
        type: 'move',
        move: expect.objectContaining({
          moveId,
          legs: [expect.objectContaining({ started: expect.objectContaining({ deviceTimeMs: 4242 }) })],
        }),
      }),
    );
    socket.terminate();
  });

  it('position-triggered move on a v1 controller: 409 NOT_SUPPORTED_BY_CONTROLLER, nothing sent', async () => {
    await harness();
    const sent = h.ctrl1.received.length;
    await problem('NOT_SUPPORTED_BY_CONTROLLER', 409, 'POST', '/api/v1/axes/reject-arm/move', {
      body: { position: 10, trigger: { axis: 'conveyor', positionCounts: 10_000, direction: 'decreasing' } },
    });
    expect(h.ctrl1.received.length).toBe(sent);
  });

  it('a triggered step on a v2 controller without TSTEP: 409 NOT_SUPPORTED_BY_CONTROLLER naming the capability, nothing sent', async () => {
    await v2();
    const sent = h.ctrl1.received.length;
    const refused = await problem(
      'NOT_SUPPORTED_BY_CONTROLLER',
      409,
      'POST',
      '/api/v1/axes/reject-arm/move',
      {
        body: {
          distance: 10,
          trigger: { axis: 'conveyor', position: 10, direction: 'increasing', distanceFrom: 'trigger' },
        },
      },
    );
    expect(refused).toMatchObject({ capability: 'positionTriggeredSteps' });
    expect(h.ctrl1.received.length).toBe(sent);
  });

  it('a v2 controller without LEASE cannot jog (§v2 Jog lease): 409 NOT_SUPPORTED_BY_CONTROLLER, nothing sent', async () => {
    await v2({ device: { lease: false } });
    expect((await controllers())[0]).toMatchObject({
      features: ['TRIG'],
      missingFeatures: ['TSTEP', 'LEASE'],
      capabilities: { jogLease: 'none', commands: { jog: 'none' } },
    });
    await call('POST', '/api/v1/axes/conveyor/enable');
    await problem('NOT_SUPPORTED_BY_CONTROLLER', 409, 'POST', '/api/v1/axes/conveyor/jog', {
      body: { velocity: 10 },
    });
    expect(h.ctrl1.executedOf('JOG')).toEqual([]);
  });
});

afterAll(() => {
  // Every route answered at least once, and every code of the registry was sent.
  const missedRoutes = [...routes].filter((r) => !answered.has(r) && r !== 'GET /api/v1/stream');
  expect(missedRoutes).toEqual([]);
  expect(routes.size).toBeGreaterThan(15);
  expect(MOTION_ERROR_CODES.filter((c) => !codes.has(c))).toEqual([]);
});

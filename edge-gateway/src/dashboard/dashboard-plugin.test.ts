// The dashboard composed into the motion API's app as the gateway does it, listening on port 0: the page
// and its headers, the feed's key-in-subprotocol auth, and the thumbnail route's answers.

import type { AddressInfo } from 'node:net';
import { silentLogger } from '@servo-edge/common/log';
import { encodeFrame } from '@servo-edge/common/mqtt';
import { ManualClock } from '@servo-edge/common/testing';
import { buildApp, createMotionService, parseMotionConfig } from '@servo-edge/motion-api';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LineModel } from '../packml/line-model.js';
import { createDashboard, type Dashboard } from './dashboard.js';
import { FEED_PROTOCOL, protocolsForKey } from './feed-auth.js';
import { encodeGrayPng, renderThumbnail } from './thumbnails-render.js';

const KEYS = { viewer: 'viewer-key-0123456789abcdef', operator: 'operator-key-0123456789abcdef' };

let app: FastifyInstance;
let dashboard: Dashboard;
let base: string;

beforeAll(async () => {
  const config = parseMotionConfig({
    http: { host: '127.0.0.1', port: 0 },
    auth: {
      keys: [
        { id: 'tablet', key: KEYS.viewer, role: 'viewer' },
        { id: 'op', key: KEYS.operator, role: 'operator' },
      ],
    },
    // Never started: the dashboard only reads the service's state here.
    controllers: [{ id: 'c1', path: 'sim://c1' }],
    axes: [
      {
        name: 'filler',
        controller: 'c1',
        axis: 1,
        unit: 'mm',
        countsPerUnit: 100,
        minUnits: 0,
        maxUnits: 200,
        maxVelocityUnitsPerS: 500,
        maxAccelerationUnitsPerS2: 5000,
        defaultVelocityUnitsPerS: 400,
        defaultAccelerationUnitsPerS2: 4000,
        homingRequired: false,
      },
    ],
  });
  const motion = createMotionService(config);
  const clock = new ManualClock();
  const line = new LineModel({ line: 'test', clock, rateWindowMs: 60_000, recentInspectionsMax: 10 });
  dashboard = createDashboard({
    motion,
    line,
    topicPrefix: 'plant/test',
    brokerKind: 'embedded',
    broker: () => undefined,
    clock,
    renderer: { render: async (job) => renderThumbnail(job), close: async () => {} },
  });
  app = buildApp({ service: motion, logger: silentLogger, apiPlugins: [dashboard.apiPlugin] });
  app.register(dashboard.plugin);
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
});

describe('dashboard page', () => {
  it('serves the page at / with a strict content security policy', async () => {
    const response = await fetch(`http://${base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    expect(html).toContain('/dashboard/js/main.js');
    expect(html).toContain('software stop');
  });

  it('serves every file the page loads, from memory, with an etag', async () => {
    const js = await fetch(`http://${base}/dashboard/js/main.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const etag = js.headers.get('etag')!;
    const again = await fetch(`http://${base}/dashboard/js/main.js`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const css = await fetch(`http://${base}/dashboard/dashboard.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`http://${base}/dashboard/../package.json`)).status).toBe(404);
  });
});

describe('dashboard feed', () => {
  const connect = (protocols: string[]) =>
    new Promise<{ ws: WebSocket; first: Record<string, unknown> }>((resolve, reject) => {
      const ws = new WebSocket(`ws://${base}/dashboard/stream`, protocols);
      ws.once('message', (data) => resolve({ ws, first: JSON.parse(String(data)) }));
      ws.once('unexpected-response', (_request, response) =>
        reject(new Error(`HTTP ${response.statusCode}`)),
      );
      ws.once('error', reject);
    });

  it('takes the key as a subprotocol, answers with the feed protocol and a snapshot with the role', async () => {
    const { ws, first } = await connect(protocolsForKey(KEYS.operator));
    expect(ws.protocol).toBe(FEED_PROTOCOL);
    expect(first).toMatchObject({ type: 'snapshot', role: 'operator', broker: { connected: null } });
    expect((first.axes as { name: string }[]).map((a) => a.name)).toEqual(['filler']);
    ws.close();
  });

  it('refuses an unknown key or none before the upgrade', async () => {
    await expect(connect(protocolsForKey('not-a-configured-key'))).rejects.toThrow('HTTP 401');
    await expect(connect([FEED_PROTOCOL])).rejects.toThrow('HTTP 401');
  });
});

describe('thumbnail route', () => {
  const get = (productId: string, key?: string) =>
    fetch(`http://${base}/api/v1/inspections/${productId}/thumbnail`, {
      headers: key ? { authorization: `Bearer ${key}` } : {},
    });

  it('needs a key', async () => {
    const response = await get('p-1');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('answers 404 problem+json for a product it has no frame for', async () => {
    const response = await get('p-unknown', KEYS.viewer);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({
      code: 'EDGE_THUMBNAIL_NOT_FOUND',
      title: 'No thumbnail for this product',
      productId: 'p-unknown',
    });
  });

  it('refuses a product id outside the frame format', async () => {
    expect((await get('bad%20id', KEYS.viewer)).status).toBe(400);
  });

  it('serves a small PNG of a frame it kept', async () => {
    const data = new Uint8Array(640 * 480).fill(128);
    const image = encodeGrayPng({ widthPx: 640, heightPx: 480, data });
    dashboard.thumbnails.offer(encodeFrame({ productId: 'p-7', capturedAtMs: 1, format: 'png' }, image));
    const response = await get('p-7', KEYS.viewer);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('cache-control')).toContain('private');
    const png = Buffer.from(await response.arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(240);
    expect(png.readUInt32BE(20)).toBe(180);
  });
});

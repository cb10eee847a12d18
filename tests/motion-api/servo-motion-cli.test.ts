// servo-motion, the process body, on a simulated controller served on a real pty (`servo-sim --pty`'s
// server): listens on port 0, becomes ready, serves an axis, and closes idempotently. Moved here from
// motion-api's own tests, which no longer depend on the simulator. Needs socat (skipped without it).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { socatSkipReason } from '@servo-edge/common/testing';
import { type RunningServer, runServoMotion } from '@servo-edge/motion-api';
import { KEYS, rawTestConfig } from '@servo-edge/motion-api/testing';
import { createPtyServer, createSimulatedController } from '@servo-edge/simulator';
import { describe, expect, it } from 'vitest';

describe.skipIf(socatSkipReason() !== undefined)('servo-motion on a pty', () => {
  it('starts on a simulated controller, serves, and closes idempotently', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'servo-motion-'));
    const linkPath = join(dir, 'ttyCTRL1');
    const controller = createSimulatedController({ id: 'cli-ctrl1', axes: 4 });
    await controller.start();
    const pty = createPtyServer(controller, { linkPath });
    await pty.start();
    try {
      const raw = rawTestConfig();
      raw.controllers = [{ id: 'ctrl1', path: linkPath }];
      raw.axes = (raw.axes as { controller: string }[]).filter((a) => a.controller === 'ctrl1');
      raw.logLevel = 'silent';
      const file = join(dir, 'motion.yaml');
      await writeFile(file, JSON.stringify(raw));
      const lines: string[] = [];
      const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
      const result = await runServoMotion(['--config', file], io);
      expect(result, lines.join('\n')).toBeTypeOf('object');
      const server = result as RunningServer;
      try {
        const healthz = await fetch(`${server.url}/healthz`);
        expect(healthz.status).toBe(200);
        // The link comes up in real time over the paced line: ask until ready (bounded).
        let ready = 0;
        for (let i = 0; i < 200 && ready !== 200; i++) ready = (await fetch(`${server.url}/readyz`)).status;
        expect(ready).toBe(200);
        const axis = await fetch(`${server.url}/api/v1/axes/conveyor`, {
          headers: { authorization: `Bearer ${KEYS.viewer}` },
        });
        expect(await axis.json()).toMatchObject({ name: 'conveyor', connected: true });
      } finally {
        await Promise.all([server.close(), server.close()]);
      }
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    } finally {
      await pty.close();
      await controller.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

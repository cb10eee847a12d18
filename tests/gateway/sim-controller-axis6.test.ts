// `servo-edge --config` with a sim:// controller whose axes include axis 6 comes up ready. The
// simulated controller used to be built with the default 4 axes whatever the config said, so the link
// failed bring-up on every retry; now it is sized from the motion section (startSimulatedControllers).

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DemoKeys, demoConfigSource, demoKeys } from '@servo-edge/edge-gateway/demo';
import { afterEach, describe, expect, it } from 'vitest';
import { runGateway } from '../support/gateway-run.js';

const READY_WITHIN_MS = 15_000;

/** The demo's gateway config with the packer moved from axis 1 to axis 6 of its sim:// controller ctrl-b. */
async function axis6Config(
  dir: string,
  keys: DemoKeys,
): Promise<{ file: string; env: Record<string, string> }> {
  const demo = await demoConfigSource({}, keys);
  const packer = /(- name: packer\n\s+controller: ctrl-b\n\s+axis:) 1\n/;
  expect(demo.yamlText).toMatch(packer);
  expect(demo.yamlText).toMatch(/path: sim:\/\/ctrl-b/);
  const file = join(dir, 'edge.yaml');
  await writeFile(file, demo.yamlText.replace(packer, '$1 6\n'));
  const env = Object.fromEntries(
    Object.entries(demo.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return { file, env };
}

describe('servo-edge --config with a sim:// controller and an axis numbered 6', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('comes up ready, and GET the axis works', async () => {
    dir = await mkdtemp(join(tmpdir(), 'servo-edge-axis6-'));
    const keys = demoKeys();
    const { file, env } = await axis6Config(dir, keys);
    // 1. Started the way the systemd unit starts it, on port 0.
    const gateway = await runGateway(file, env);
    try {
      // 2. Both links come up: the 6-axis controller answers HELLO with axes=6 and GET 6 at bring-up.
      const deadline = Date.now() + READY_WITHIN_MS;
      let ready = await fetch(`${gateway.httpUrl}/readyz`);
      while (ready.status !== 200 && Date.now() < deadline) ready = await fetch(`${gateway.httpUrl}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ready',
        controllers: [
          { id: 'ctrl-a', state: 'ready' },
          { id: 'ctrl-b', state: 'ready' },
        ],
      });
      // 3. The axis on number 6 reads through the REST API.
      const packer = await fetch(`${gateway.httpUrl}/api/v1/axes/packer`, {
        headers: { authorization: `Bearer ${keys.admin}` },
      });
      expect(packer.status).toBe(200);
      expect(await packer.json()).toMatchObject({ name: 'packer', controller: 'ctrl-b', connected: true });
    } finally {
      // 4. SIGTERM: the gateway and the simulated controllers close, the command returns 0.
      await expect(gateway.stop()).resolves.toBe(0);
      expect(gateway.forcedExits).toEqual([]);
    }
  });
});

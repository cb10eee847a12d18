// edge.example.yaml must stay a valid config: the file people copy is the file the tests load.

import { describe, expect, it } from 'vitest';
import { checkConfigText, loadConfigFile, readConfigFile } from './load.js';
import { validateMotionSection } from './motion-section.js';

const examplePath = new URL('../../edge.example.yaml', import.meta.url).pathname;
const env = {
  SERVO_EDGE_ADMIN_KEY: 'example-admin-key-0001',
  SERVO_EDGE_OPERATOR_KEY: 'example-operator-key-01',
  SERVO_EDGE_VIEWER_KEY: 'example-viewer-key-0001',
  SERVO_EDGE_VISION_KEY: 'example-vision-key-0001',
};

describe('edge.example.yaml', () => {
  it('validates once its secrets are in the environment', async () => {
    const config = await loadConfigFile(examplePath, { env, validateMotion: validateMotionSection });
    expect(config.mqtt.mode).toBe('embedded');
    expect((config.motion['axes'] as unknown[]).length).toBe(4);
    expect(config.auth.keys.map((key) => key.role)).toEqual(['admin', 'operator', 'viewer', 'service']);
    expect(config.topicPrefix).toBe('servo-edge/line-1');
  });

  it('leaves line.rejectWithoutVerdict to the default, which rejects products without a verdict', async () => {
    // The example relies on the fail-safe default rather than spelling it out.
    expect(await readConfigFile(examplePath)).not.toMatch(/rejectWithoutVerdict/);
    const config = await loadConfigFile(examplePath, { env, validateMotion: validateMotionSection });
    expect(config.line.rejectWithoutVerdict).toBe(true);
  });

  it('without them, the only problems are the four missing secrets', async () => {
    const result = checkConfigText(await readConfigFile(examplePath), { env: {} });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.map((p) => p.code)).toEqual(Array(4).fill('EDGE_CONFIG_SECRET_MISSING'));
    }
  });

  it('SERVO_EDGE_API_KEY stands in for the admin key', async () => {
    const { SERVO_EDGE_ADMIN_KEY: _, ...others } = env;
    const config = await loadConfigFile(examplePath, {
      env: { ...others, SERVO_EDGE_API_KEY: 'from-the-environment-1' },
    });
    expect(config.auth.keys[0]).toMatchObject({ name: 'admin', source: 'SERVO_EDGE_API_KEY' });
  });

  it('an unreadable file is EDGE_CONFIG_UNREADABLE', async () => {
    await expect(loadConfigFile('/nonexistent/edge.yaml')).rejects.toMatchObject({
      code: 'EDGE_CONFIG_UNREADABLE',
    });
  });
});

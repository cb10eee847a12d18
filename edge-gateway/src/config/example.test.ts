// edge.example.yaml and edge.demo.yaml must stay valid configs: the files people copy and run are the
// files the tests load.

import { ConfigError } from '@servo-edge/common/config';
import { describe, expect, it } from 'vitest';
import {
  DEMO_CONFIG_ENV,
  DEMO_CONFIG_PATH,
  EXAMPLE_CONFIG_ENV as env,
  EXAMPLE_CONFIG_PATH as examplePath,
} from '../test-support/example-configs.js';
import { checkConfigText, loadConfigFile, readConfigFile } from './load.js';

describe('edge.example.yaml', () => {
  it('validates once its secrets are in the environment', async () => {
    const config = await loadConfigFile(examplePath, { env });
    expect(config.mqtt.mode).toBe('embedded');
    expect(config.motion.axes.length).toBe(4);
    expect(config.auth.keys.map((key) => key.role)).toEqual(['admin', 'operator', 'viewer', 'service']);
    expect(config.topicPrefix).toBe('servo-edge/line-1');
  });

  it('leaves line.rejectWithoutVerdict to the default, which rejects products without a verdict', async () => {
    // The example relies on the fail-safe default rather than spelling it out.
    expect(await readConfigFile(examplePath)).not.toMatch(/rejectWithoutVerdict/);
    const config = await loadConfigFile(examplePath, { env });
    expect(config.line?.rejectWithoutVerdict).toBe(true);
  });

  it('without them, the only problems are the four missing secrets', async () => {
    const result = checkConfigText(await readConfigFile(examplePath), { env: {} });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.map((p) => p.code)).toEqual(Array(4).fill('CONFIG_SECRET_MISSING'));
    }
  });

  it('SERVO_EDGE_API_KEY stands in for the admin key', async () => {
    const { SERVO_EDGE_ADMIN_KEY: _, ...others } = env;
    const config = await loadConfigFile(examplePath, {
      env: { ...others, SERVO_EDGE_API_KEY: 'from-the-environment-1' },
    });
    expect(config.auth.keys[0]).toMatchObject({ name: 'admin', source: 'SERVO_EDGE_API_KEY' });
  });

  it('an unreadable file is CONFIG_UNREADABLE', async () => {
    const loading = loadConfigFile('/nonexistent/edge.yaml');
    await expect(loading).rejects.toBeInstanceOf(ConfigError);
    await expect(loading).rejects.toMatchObject({ code: 'CONFIG_UNREADABLE' });
  });
});

describe('edge.demo.yaml', () => {
  it('validates with the keys the demo puts in the environment', async () => {
    const config = await loadConfigFile(DEMO_CONFIG_PATH, { env: DEMO_CONFIG_ENV });
    expect(config.motion.controllers.map((c) => c.path)).toEqual(['sim://ctrl-a', 'sim://ctrl-b']);
    expect(config.line?.rejectWithoutVerdict).toBe(true);
    expect(config.auth.keys).toHaveLength(5);
  });
});

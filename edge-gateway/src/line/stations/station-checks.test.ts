// The stations' load-time checks, on the demo's config (which runs every station) with one mistake
// each: the loader reports it at its path with the common code.

import { describe, expect, it } from 'vitest';
import { checkConfigText, readConfigFile } from '../../config/load.js';
import { DEMO_CONFIG_ENV, DEMO_CONFIG_PATH } from '../../test-support/example-configs.js';

async function problemsWith(edit?: (yaml: string) => string) {
  const yaml = await readConfigFile(DEMO_CONFIG_PATH);
  const edited = edit ? edit(yaml) : yaml;
  // Each case's edit must find what it changes, or the test would pass on the unchanged config.
  if (edit && edited === yaml)
    throw new Error('the edit changed nothing: edge.demo.yaml no longer has what it looks for');
  const result = checkConfigText(edited, { env: DEMO_CONFIG_ENV });
  return result.ok ? [] : result.problems.map((p) => [p.code, p.path]);
}

describe('station config checks', () => {
  it('the demo config passes', async () => {
    expect(await problemsWith()).toEqual([]);
  });

  it('a station section without its axis', async () => {
    const problems = await problemsWith((yaml) => yaml.replace(/\n {4}labeler: labeler\n/, '\n'));
    expect(problems).toContainEqual(['CONFIG_MISSING_KEY', 'line.axes.labeler']);
  });

  it('a station downstream of the camera', async () => {
    const problems = await problemsWith((yaml) => yaml.replace(/positionMm: 100\n/, 'positionMm: 400\n'));
    expect(problems).toContainEqual(['CONFIG_CONFLICT', 'line.filler.positionMm']);
  });

  it('stations without the infeed', async () => {
    const problems = await problemsWith((yaml) =>
      yaml.replace(/\n {2}infeed:\n( {4}.*\n)+/, '\n').replace(/\n {4}infeed: infeed\n/, '\n'),
    );
    expect(problems).toContainEqual(['CONFIG_MISSING_KEY', 'line.infeed']);
  });
});

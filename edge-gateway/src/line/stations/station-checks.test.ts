// The stations' load-time checks, on the demo's config with its stations switched on (the commented
// block in edge.demo.yaml) and one mistake each: the loader reports it at its path with the common code.

import { describe, expect, it } from 'vitest';
import { checkConfigText, readConfigFile } from '../../config/load.js';
import { DEMO_CONFIG_ENV, DEMO_CONFIG_PATH } from '../../test-support/example-configs.js';

/** The demo config as its comment says to run the stations: their axes named, their sections uncommented. */
function withStations(yaml: string): string {
  const on = yaml
    .replace(/\n {4}sealer: sealer\n/, '\n    sealer: sealer\n    infeed: infeed\n    labeler: labeler\n')
    .replace(/^ {2}# ((?:infeed|filler|sealer|labeler):)$/gm, '  $1')
    .replace(/^ {2}# ( {2}\S.*)$/gm, '  $1');
  if (on === yaml || !/\n {2}labeler:\n/.test(on))
    throw new Error('edge.demo.yaml no longer has the stations block');
  return on;
}

async function problemsWith(edit: (yaml: string) => string) {
  const yaml = await readConfigFile(DEMO_CONFIG_PATH);
  const result = checkConfigText(edit(withStations(yaml)), { env: DEMO_CONFIG_ENV });
  return result.ok ? [] : result.problems.map((p) => [p.code, p.path]);
}

describe('station config checks', () => {
  it('the demo config passes', async () => {
    expect(await problemsWith((yaml) => yaml)).toEqual([]);
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

// Config loading: every problem at once, with path, common code, line and hint; env overrides; the motion
// section through the motion API's schema and checks; secrets never echoed.

import { createHash } from 'node:crypto';
import { ConfigError } from '@servo-edge/common/config';
import { describe, expect, it } from 'vitest';
import { motionConfigFor } from '../motion-config.js';
import { checkConfigText, parseConfigText } from './load.js';
import { redactConfig } from './redact.js';

const ADMIN = 'admin-secret-0123456789';
const VIEWER = 'viewer-secret-0123456789';

/** One axis of the motion section, as a YAML flow mapping. */
const axis = (name: string, number: number) =>
  `{ name: ${name}, controller: ctrl-a, axis: ${number}, unit: mm, countsPerUnit: 10, minUnits: -1000, maxUnits: 1000, maxVelocityUnitsPerS: 3000, maxAccelerationUnitsPerS2: 10000, defaultVelocityUnitsPerS: 1000, defaultAccelerationUnitsPerS2: 5000 }`;

/** A valid motion section declaring `names` (by default the line's default axes), placed last in a file. */
const motion = (...names: string[]) => `
motion:
  controllers: [{ id: ctrl-a, path: "sim://ctrl-a" }]
  axes:
${(names.length > 0 ? names : ['conveyor', 'reject-arm']).map((name, index) => `    - ${axis(name, index + 1)}`).join('\n')}
`;

/** A valid config with one inline admin key and a motion section; tests add sections in between. */
const base = (extra = '', motionSection = motion()) => `
auth:
  keys:
    - { name: admin, key: ${ADMIN}, role: admin }
${extra}
${motionSection}`;

const problemsOf = (text: string, env: Record<string, string> = {}) => {
  const result = checkConfigText(text, { env });
  if (result.ok) throw new Error('expected problems');
  return result.problems;
};

/** `[code, path]` of each problem, in document order. */
const codesAndPaths = (text: string, env: Record<string, string> = {}) =>
  problemsOf(text, env).map((p) => [p.code, p.path]);

describe('valid configs', () => {
  it('an almost empty file gets every default', () => {
    const config = parseConfigText(base(), { env: {} });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080, rateLimitPerMin: 600 });
    expect(config.mqtt).toEqual({
      mode: 'embedded',
      host: '0.0.0.0',
      portTcp: 1883,
      portWs: 9001,
      drainTimeoutMs: 5000,
      connectTimeoutMs: 10_000,
    });
    // No line section: no line, and the topics sit under `servo-edge` (README, Config reference).
    expect(config.line).toBeUndefined();
    expect(config.topicPrefix).toBe('servo-edge');
    // An empty line section gets every default of the line.
    const lined = parseConfigText(base('line: {}'), { env: {} });
    expect(lined.topicPrefix).toBe('servo-edge/line-1');
    expect(lined.line?.stations).toEqual({ cameraMm: 1000, rejectMm: 1600 });
    // The motion section gets the motion API's defaults; `http` and `auth` are the gateway's, not its.
    expect(config.motion).toMatchObject({ logLevel: 'info', reconnect: { initialDelayMs: 200 } });
    expect(config.motion.controllers[0]).toMatchObject({ id: 'ctrl-a', baud: 115_200 });
    expect(Object.keys(config.motion)).not.toContain('http');
    expect(Object.keys(config.motion)).not.toContain('auth');
    expect(config.auth.keys).toEqual([{ name: 'admin', key: ADMIN, role: 'admin', source: 'file' }]);
  });

  it('a file with only the motion section, plus SERVO_EDGE_API_KEY, is a working config', () => {
    const config = parseConfigText(motion(), { env: { SERVO_EDGE_API_KEY: ADMIN } });
    expect(config.auth.keys).toEqual([
      { name: 'admin', key: ADMIN, role: 'admin', source: 'SERVO_EDGE_API_KEY' },
    ]);
  });

  it('SERVO_EDGE_API_KEY replaces the first admin key, even one whose keyEnv is unset', () => {
    const text = `
auth:
  keys:
    - { name: view, key: ${VIEWER}, role: viewer }
    - { name: boss, keyEnv: UNSET_VAR, role: admin }
${motion()}`;
    const config = parseConfigText(text, { env: { SERVO_EDGE_API_KEY: ADMIN } });
    expect(config.auth.keys.map((k) => [k.name, k.source === 'sha256' ? k.sha256 : k.key, k.source])).toEqual(
      [
        ['view', VIEWER, 'file'],
        ['boss', ADMIN, 'SERVO_EDGE_API_KEY'],
      ],
    );
  });

  it('ports come from SERVO_EDGE_PORT, SERVO_EDGE_MQTT_PORT and SERVO_EDGE_MQTT_WS_PORT', () => {
    const config = parseConfigText(base(), {
      env: { SERVO_EDGE_PORT: '0', SERVO_EDGE_MQTT_PORT: '0', SERVO_EDGE_MQTT_WS_PORT: '0' },
    });
    expect(config.http.port).toBe(0);
    expect(config.mqtt).toMatchObject({ mode: 'embedded', portTcp: 0, portWs: 0 });
  });

  it('an empty env var counts as unset', () => {
    expect(parseConfigText(base(), { env: { SERVO_EDGE_PORT: '' } }).http.port).toBe(8080);
  });

  it('keyEnv and passwordEnv read secrets from the environment', () => {
    const text = `
auth:
  keys: [{ name: admin, keyEnv: ADMIN_KEY, role: admin }]
mqtt:
  external: { url: 'mqtts://broker.plant:8883', username: gw, passwordEnv: MQTT_PW }
${motion()}`;
    const config = parseConfigText(text, { env: { ADMIN_KEY: ADMIN, MQTT_PW: 'pw' } });
    expect(config.auth.keys[0]).toMatchObject({ key: ADMIN, source: 'keyEnv' });
    expect(config.mqtt).toEqual({
      mode: 'external',
      url: 'mqtts://broker.plant:8883',
      username: 'gw',
      password: 'pw',
      connectTimeoutMs: 10_000,
    });
  });

  it('devModeNoAuth on loopback needs no keys', () => {
    const text = `
http: { host: 127.0.0.1 }
auth: { devModeNoAuth: true }
mqtt: { embedded: { host: 127.0.0.1 } }
${motion()}`;
    expect(parseConfigText(text, { env: {} }).auth).toEqual({ devModeNoAuth: true, keys: [] });
  });

  it('an explicit topicPrefix wins over the default', () => {
    expect(parseConfigText(base('topicPrefix: plant/hall-2/line-7'), { env: {} }).topicPrefix).toBe(
      'plant/hall-2/line-7',
    );
  });

  it('without a line section, any motion axes do: no conveyor or reject arm is asked for', () => {
    const config = parseConfigText(base('', motion('pan', 'tilt')), { env: {} });
    expect(config.line).toBeUndefined();
    expect(config.motion.axes.map((a) => a.name)).toEqual(['pan', 'tilt']);
    // With a line, its default roles must be declared: the same axes are refused.
    expect(codesAndPaths(base('line: {}', motion('pan', 'tilt')))).toEqual([
      ['CONFIG_UNKNOWN_REFERENCE', 'line.axes.conveyor'],
      ['CONFIG_UNKNOWN_REFERENCE', 'line.axes.rejectArm'],
    ]);
  });

  it('a key may be given as its SHA-256 digest only, so the secret stays out of the file', () => {
    const digest = createHash('sha256').update(ADMIN).digest('hex');
    const text = (entry: string) => `
auth:
  keys:
    - ${entry}
${motion()}`;
    const config = parseConfigText(text(`{ name: me, sha256: ${digest}, role: admin }`), { env: {} });
    expect(config.auth.keys).toEqual([{ name: 'me', sha256: digest, role: 'admin', source: 'sha256' }]);
    // The motion API gets the digest too (its own auth.keys[].sha256), never a made-up secret.
    expect(motionConfigFor(config).auth.keys).toEqual([{ id: 'me', sha256: digest, role: 'admin' }]);
    // What a guess is checked against stays out of a printed config too.
    expect(JSON.stringify(redactConfig(config))).not.toContain(digest);
    // Exactly one of key, keyEnv and sha256; a digest is 64 lower-case hex digits.
    expect(codesAndPaths(text(`{ name: me, key: ${ADMIN}, sha256: ${digest}, role: admin }`))).toEqual([
      ['CONFIG_CONFLICT', 'auth.keys[0].sha256'],
    ]);
    // A refused digest leaves the entry without a secret, as a refused keyEnv does.
    expect(codesAndPaths(text(`{ name: me, sha256: ${digest.toUpperCase()}, role: admin }`))).toEqual([
      ['CONFIG_MISSING_KEY', 'auth.keys[0].key'],
      ['CONFIG_BAD_VALUE', 'auth.keys[0].sha256'],
    ]);
    // A digest and a key of the same secret would make a Bearer token ambiguous.
    expect(
      codesAndPaths(`
auth:
  keys:
    - { name: a, key: ${ADMIN}, role: admin }
    - { name: b, sha256: ${digest}, role: viewer }
${motion()}`),
    ).toEqual([['CONFIG_DUPLICATE', 'auth.keys']]);
  });

  it('line.rejectWithoutVerdict defaults to true (fail-safe) when the key is left out', () => {
    // An empty line section, and a line section that sets other keys but not this one.
    expect(parseConfigText(base('line: {}'), { env: {} }).line?.rejectWithoutVerdict).toBe(true);
    const withLine = parseConfigText(base('line:\n  name: line-7\n  productSpacingMm: 300\n'), { env: {} });
    expect(withLine.line).toMatchObject({ name: 'line-7', rejectWithoutVerdict: true });
    // Only an explicit false turns it off.
    const off = parseConfigText(base('line:\n  rejectWithoutVerdict: false\n'), { env: {} });
    expect(off.line?.rejectWithoutVerdict).toBe(false);
  });

  it("the motion section keeps its keys and gets the motion API's defaults", () => {
    const section = motion().replace('path: "sim://ctrl-a" }', 'path: "sim://ctrl-a", baud: 460800 }');
    const config = parseConfigText(base('', section), { env: {} });
    expect(config.motion.controllers).toEqual([
      expect.objectContaining({ id: 'ctrl-a', path: 'sim://ctrl-a', baud: 460_800, streamHz: 20 }),
    ]);
    expect(config.motion.axes.map((a) => [a.name, a.axis, a.homingRequired])).toEqual([
      ['conveyor', 1, true],
      ['reject-arm', 2, true],
    ]);
  });
});

describe('every problem, at once, with its path', () => {
  it('reports all problems of a bad file in document order, with lines', () => {
    const text = `http:
  port: 70000
  hots: 127.0.0.1
mqtt:
  embedded:
    portTCP: 1883
    drainTimeout: 5000
line:
  stations: { cameraMm: 500, rejectMm: 400 }
  rates: { productsPerMin: "600" }
auth:
  keys:
    - { name: admin, key: ${ADMIN}, role: admn }
${motion()}`;
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.code, p.path, p.line])).toEqual([
      ['CONFIG_OUT_OF_RANGE', 'http.port', 2],
      ['CONFIG_UNKNOWN_KEY', 'http.hots', 3],
      ['CONFIG_UNKNOWN_KEY', 'mqtt.embedded.portTCP', 6],
      ['CONFIG_UNKNOWN_KEY', 'mqtt.embedded.drainTimeout', 7],
      ['CONFIG_CONFLICT', 'line.stations.rejectMm', 9],
      ['CONFIG_WRONG_TYPE', 'line.rates.productsPerMin', 10],
      ['CONFIG_BAD_VALUE', 'auth.keys[0].role', 13],
    ]);
    const byPath = new Map(problems.map((p) => [p.path, p]));
    expect(byPath.get('http.hots')?.suggestions).toEqual(['host']);
    expect(byPath.get('mqtt.embedded.portTCP')?.suggestions).toEqual(['portTcp']);
    expect(byPath.get('mqtt.embedded.drainTimeout')?.suggestions).toEqual(['drainTimeoutMs']);
    expect(byPath.get('auth.keys[0].role')?.suggestions).toEqual(['admin']);
    for (const problem of problems) expect(problem.message.length).toBeGreaterThan(0);
  });

  it('a key without its unit suffix is pointed at the suffixed key', () => {
    const [problem] = problemsOf(base('http:\n  rateLimit: 100\n'));
    expect(problem).toMatchObject({
      code: 'CONFIG_UNKNOWN_KEY',
      path: 'http.rateLimit',
      suggestions: ['rateLimitPerMin'],
    });
    expect(problem?.hint).toBeDefined();
  });

  it('a right key in the wrong section is pointed at its section', () => {
    const [problem] = problemsOf(base('mqtt:\n  portTcp: 1883\n'));
    expect(problem).toMatchObject({
      code: 'CONFIG_UNKNOWN_KEY',
      path: 'mqtt.portTcp',
      suggestions: ['mqtt.embedded.portTcp'],
    });
  });

  it('unknown top-level sections are rejected too', () => {
    const [problem] = problemsOf(base('brige: {}\n'));
    expect(problem).toMatchObject({
      code: 'CONFIG_UNKNOWN_KEY',
      path: 'brige',
      suggestions: ['bridge'],
      line: 5,
    });
  });

  it('wrong types: a list where a mapping belongs, text where a number belongs, an empty leaf', () => {
    expect(codesAndPaths(base('http: [1]\nline:\n  name:\n  productSpacingMm: "wide"\n'))).toEqual([
      ['CONFIG_WRONG_TYPE', 'http'],
      ['CONFIG_WRONG_TYPE', 'line.name'],
      ['CONFIG_WRONG_TYPE', 'line.productSpacingMm'],
    ]);
  });

  it('bounds: integers, lengths, list sizes', () => {
    expect(
      codesAndPaths(`
bridge: { publishIntervalMs: 1.5, maxInspectionBytes: 10 }
auth:
  keys: [{ name: admin, key: short, role: admin }]
${motion()}`),
    ).toEqual([
      ['CONFIG_WRONG_TYPE', 'bridge.publishIntervalMs'],
      ['CONFIG_OUT_OF_RANGE', 'bridge.maxInspectionBytes'],
      ['CONFIG_OUT_OF_RANGE', 'auth.keys[0].key'],
    ]);
  });

  it('patterns: names, topic prefixes, URLs with credentials', () => {
    expect(
      codesAndPaths(`
auth:
  keys: [{ name: "bad name", key: ${ADMIN}, role: admin }]
topicPrefix: "servo-edge/#"
mqtt:
  external: { url: "mqtt://user:pw@broker:1883" }
${motion()}`),
    ).toEqual([
      ['CONFIG_BAD_VALUE', 'auth.keys[0].name'],
      ['CONFIG_BAD_VALUE', 'topicPrefix'],
      ['CONFIG_BAD_VALUE', 'mqtt.external.url'],
    ]);
  });

  it('cross-field conflicts', () => {
    expect(
      codesAndPaths(`
http: { port: 1883 }
auth:
  keys:
    - { name: admin, key: ${ADMIN}, keyEnv: ALSO, role: admin }
    - { name: admin, key: ${VIEWER}, role: viewer }
    - { name: nosecret, role: viewer }
mqtt:
  embedded: { portTcp: 1883, portWs: 1883 }
line:
  axes: { conveyor: belt, rejectArm: belt }
${motion('belt')}`),
    ).toEqual([
      ['CONFIG_CONFLICT', 'http.port'],
      ['CONFIG_CONFLICT', 'auth.keys[0].keyEnv'],
      ['CONFIG_DUPLICATE', 'auth.keys[1].name'],
      ['CONFIG_MISSING_KEY', 'auth.keys[2].key'],
      ['CONFIG_CONFLICT', 'mqtt.embedded.portWs'],
      ['CONFIG_DUPLICATE', 'line.axes.rejectArm'],
    ]);
  });

  it('embedded and external together are a conflict', () => {
    expect(codesAndPaths(base('mqtt:\n  embedded: {}\n  external: { url: "mqtt://b:1883" }\n'))).toEqual([
      ['CONFIG_CONFLICT', 'mqtt.external'],
    ]);
  });

  it('two keys sharing a secret are a duplicate', () => {
    expect(
      codesAndPaths(`
auth:
  keys:
    - { name: a, key: ${ADMIN}, role: admin }
    - { name: b, key: ${ADMIN}, role: viewer }
${motion()}`),
    ).toEqual([['CONFIG_DUPLICATE', 'auth.keys']]);
  });

  it('no keys and no dev mode: nobody could log in', () => {
    expect(codesAndPaths(motion())).toEqual([['CONFIG_MISSING_KEY', 'auth.keys']]);
  });

  it('devModeNoAuth refuses non-loopback hosts', () => {
    expect(codesAndPaths(`auth: { devModeNoAuth: true }\n${motion()}`)).toEqual([
      ['CONFIG_CONFLICT', 'http.host'],
      ['CONFIG_CONFLICT', 'mqtt.embedded.host'],
    ]);
  });

  it('secrets from the environment: unset, too short', () => {
    const text = `
auth:
  keys:
    - { name: a, keyEnv: KEY_A, role: admin }
    - { name: b, keyEnv: KEY_B, role: viewer }
mqtt:
  external: { url: "mqtt://b:1883", username: gw, passwordEnv: MQTT_PW }
${motion()}`;
    expect(codesAndPaths(text, { KEY_B: 'short' })).toEqual([
      ['CONFIG_SECRET_MISSING', 'auth.keys[0].keyEnv'],
      ['CONFIG_SECRET_MISSING', 'mqtt.external.passwordEnv'],
      ['CONFIG_ENV_INVALID', '$env.KEY_B'],
    ]);
  });

  it('override variables are bounds-checked and must apply', () => {
    const env = { SERVO_EDGE_PORT: '80800', SERVO_EDGE_API_KEY: 'short', SERVO_EDGE_MQTT_PORT: '1884' };
    expect(codesAndPaths(base(), env)).toEqual([
      ['CONFIG_ENV_INVALID', '$env.SERVO_EDGE_PORT'],
      ['CONFIG_ENV_INVALID', '$env.SERVO_EDGE_API_KEY'],
    ]);
    const external = base('mqtt:\n  external: { url: "mqtt://b:1883" }\n');
    expect(codesAndPaths(external, { SERVO_EDGE_MQTT_PORT: '1884' })).toEqual([
      ['CONFIG_ENV_INVALID', '$env.SERVO_EDGE_MQTT_PORT'],
    ]);
  });

  it('YAML syntax errors and repeated keys are parse problems with a line', () => {
    expect(problemsOf('http:\n  port: [1,\n').map((p) => p.code)).toContain('CONFIG_PARSE');
    const [duplicate] = problemsOf('http:\n  port: 1\n  port: 2\n');
    expect(duplicate).toMatchObject({ code: 'CONFIG_PARSE', line: 3 });
  });

  it('parseConfigText throws one ConfigError CONFIG_INVALID carrying every problem', () => {
    let caught: unknown;
    try {
      parseConfigText(`http: { port: -1, host: "" }\n${motion()}`, { env: {} });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).code).toBe('CONFIG_INVALID');
    expect((caught as ConfigError).problems.map((p) => p.path)).toEqual([
      'http.port',
      'http.host',
      'auth.keys',
    ]);
  });
});

describe("the motion section: the motion API's schema and checks, at paths under motion.", () => {
  it("reports the motion API's cross-field problems at their real path and line", () => {
    const text = base(
      '',
      motion().replace(/(name: reject-arm.*?)minUnits: -1000, maxUnits: 1000/, '$1minUnits: 5, maxUnits: 1'),
    );
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.code, p.path, p.line])).toEqual([
      ['CONFIG_CONFLICT', 'motion.axes[1].maxUnits', 11],
    ]);
  });

  it('refuses http and auth inside motion, pointing at the top-level sections the gateway owns', () => {
    const section = `${motion()}  http: { port: 1 }\n  auth: {}\n`;
    const problems = problemsOf(base('', section));
    expect(problems.map((p) => [p.code, p.path, p.suggestions])).toEqual([
      ['CONFIG_UNKNOWN_KEY', 'motion.http', ['http']],
      ['CONFIG_UNKNOWN_KEY', 'motion.auth', ['auth']],
    ]);
  });

  it('an empty controller list and no axes are schema problems under motion.', () => {
    expect(codesAndPaths(base('', 'motion:\n  controllers: []\n'))).toEqual([
      ['CONFIG_MISSING_KEY', 'motion.axes'],
      ['CONFIG_OUT_OF_RANGE', 'motion.controllers'],
    ]);
  });

  it('line.axes must name declared motion axes', () => {
    const text = base('line:\n  axes: { conveyor: conveyor, rejectArm: rejct-arm }\n');
    const problems = problemsOf(text);
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'CONFIG_UNKNOWN_REFERENCE',
        path: 'line.axes.rejectArm',
        suggestions: ['reject-arm'],
      }),
    ]);
  });
});

describe('secrets stay secret', () => {
  it('problems never echo a secret value, even a misplaced one', () => {
    const secret = 'hunter2-but-longer-than-16';
    const problems = problemsOf(`
auth:
  keys:
    - { name: a, key: ${ADMIN}, role: ${secret} }
    - { name: b, key: ${secret}, keyEnv: X, role: viewer }
http: { host: ${secret}!, port: "${secret}" }
${motion()}`);
    expect(problems.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(problems)).not.toContain(secret);
  });

  it('redactConfig removes every secret', () => {
    const config = parseConfigText(
      `mqtt:\n  external: { url: "mqtt://b:1883", username: gw, passwordEnv: PW }\n${motion()}`,
      {
        env: { SERVO_EDGE_API_KEY: ADMIN, PW: 'mqtt-password' },
      },
    );
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain(ADMIN);
    expect(printed).not.toContain('mqtt-password');
  });
});

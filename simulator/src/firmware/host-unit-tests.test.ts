// The firmware core's C unit tests (firmware-protocol/firmware/test, built with the host's gcc under
// AddressSanitizer and UBSan, against the same vectors.json as the TypeScript codec), run as part of
// `npm test` so the README's one test command covers the C code too.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FIRMWARE_DIR } from './firmware-build.js';

const run = promisify(execFile);

/** The host compiler is on every machine the project supports (Node's native addons need it). */
const SKIP_REASON = await run('gcc', ['--version']).then(
  () => undefined,
  () => (process.env['CI'] === 'true' ? undefined : 'gcc not found: the C unit tests need the host compiler'),
);

describe.skipIf(SKIP_REASON !== undefined)('firmware core, C unit tests on the host', () => {
  it('every check of every test program passes', async () => {
    const { stdout } = await run('make', ['-C', FIRMWARE_DIR, '--no-print-directory', 'test'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    // Each program prints "<name>: <n> checks, <f> failed" and exits non-zero on a failure.
    const summaries = [...stdout.matchAll(/^(\w+): (\d+) checks, (\d+) failed$/gm)];
    expect(summaries.length).toBeGreaterThanOrEqual(2);
    for (const [, name, checks, failed] of summaries) {
      expect({ name, failed: Number(failed) }).toEqual({ name, failed: 0 });
      expect(Number(checks)).toBeGreaterThan(0);
    }
  }, 180_000);
});

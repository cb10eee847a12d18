// socat (Debian package `socat`) makes the pseudo-terminals that the pty legs of the serial tests open
// with native bindings: the simulator's contract suite, servo-sim's CLI test, the motion API's rigs.

import { spawnSync } from 'node:child_process';

/** Why a pty leg cannot run here, or undefined. In CI (.ci/run installs socat) it never skips: a missing socat fails. */
export function socatSkipReason(socatPath = 'socat'): string | undefined {
  if (!spawnSync(socatPath, ['-V'], { stdio: 'ignore' }).error) return undefined;
  if (process.env['CI'] === 'true') return undefined;
  return 'socat is not installed (apt-get install socat); the pty legs need it';
}

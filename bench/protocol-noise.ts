// Protocol v1 against v2 over a noisy line (issue #12): 10^4 moves at 0.1 % and 1 % byte damage in both
// directions, with drops and duplicates, on a stepped clock (so the figures do not depend on this
// machine's load). What a plant sees: moves whose outcome never arrived, sessions lost, stops forged.

import { type LineFaults, type MoveStreamResult, runMoveStream } from '@servo-edge/firmware-protocol/testing';
import { figure, heading } from './report.js';

const MOVES = 10_000;

/** The fault tests' line (firmware-protocol/src/session/fault-v2.test.ts) at a given damage rate. */
function noisyLine(corruptRate: number): LineFaults {
  return {
    corruptRate,
    corruption: 'bitFlip',
    dropRate: corruptRate / 10,
    duplicateRate: corruptRate / 10,
    latencyMs: 2,
    jitterMs: 3,
    maxChunkBytes: 16,
    baud: 115200,
  };
}

async function run(protocol: 1 | 2, corruptRate: number): Promise<MoveStreamResult> {
  return runMoveStream({
    seed: 1,
    moves: MOVES,
    faults: noisyLine(corruptRate),
    hostProtocol: protocol,
    deviceProtocol: protocol,
  });
}

export async function runProtocolNoiseBench(): Promise<void> {
  heading(`protocol v2 vs v1: ${MOVES} moves over a noisy line, both directions (stepped clock, seed 1)`);
  for (const corruptRate of [0.001, 0.01]) {
    const v1 = await run(1, corruptRate);
    const v2 = await run(2, corruptRate);
    const label = `${corruptRate * 100} % noise`;
    const delivered = (r: MoveStreamResult) => (100 * (r.delivered.DONE + r.delivered.ABORTED)) / MOVES;
    figure(`${label}: outcomes delivered, v2`, delivered(v2), '%', { name: 'v1', value: delivered(v1) });
    figure(`${label}: moves executed (each once, in order), v2`, v2.executed.length, 'moves', {
      name: 'v1',
      value: v1.executed.length,
    });
    figure(`${label}: outcomes missing, v2`, v2.missingOutcomes, 'moves', {
      name: 'v1',
      value: v1.missingOutcomes,
    });
    figure(`${label}: sessions lost, v2`, v2.lostSessions.length, '', {
      name: 'v1',
      value: v1.lostSessions.length,
    });
    figure(`${label}: stops forged by noise, v2`, v2.stops, '', { name: 'v1', value: v1.stops });
    figure(`${label}: watchdog trips, v2`, v2.watchdogTrips, '', { name: 'v1', value: v1.watchdogTrips });
  }
}

// What a host-link driver's failed transaction means to the API: the MotionError code, and whether the
// command certainly did not run (`failed`) or may have (`unknown`).

import type { ProblemExtensions } from '../../errors.js';
import { DriverCommandError } from '../driver.js';
import { ExchangeError } from './exchange.js';

/** The device answered, but not with something the driver can use (garbage, a wrong length, a CRC). */
export class DeviceAnswerError extends Error {}

export function commandFailure(
  error: unknown,
  what: string,
  extensions: ProblemExtensions,
): DriverCommandError {
  if (error instanceof DriverCommandError) return error;
  if (error instanceof ExchangeError) {
    const ext = { ...extensions, linkCode: error.code };
    switch (error.code) {
      case 'EXCHANGE_QUEUE_FULL':
        return new DriverCommandError('CONTROLLER_BUSY', `${what}: ${error.message}`, ext, 'failed');
      case 'EXCHANGE_NOT_SENT':
        return new DriverCommandError(
          'CONTROLLER_DISCONNECTED',
          `${what}: not sent (${error.message})`,
          ext,
          'failed',
        );
      case 'EXCHANGE_TIMEOUT':
        return new DriverCommandError('DEVICE_TIMEOUT', `${what}: ${error.message}`, ext, 'unknown');
      case 'EXCHANGE_LINK_LOST':
        return error.sent
          ? new DriverCommandError(
              'MOVE_OUTCOME_UNKNOWN',
              `${what}: sent, then ${error.message}`,
              ext,
              'unknown',
            )
          : new DriverCommandError(
              'CONTROLLER_DISCONNECTED',
              `${what}: not sent (${error.message})`,
              ext,
              'failed',
            );
    }
  }
  if (error instanceof DeviceAnswerError)
    return new DriverCommandError('DEVICE_ERROR', `${what}: ${error.message}`, extensions, 'unknown');
  return new DriverCommandError(
    'INTERNAL_ERROR',
    `${what}: ${(error as Error)?.message ?? String(error)}`,
    extensions,
    'unknown',
  );
}

/** The device answered in a way the driver cannot use: 502 DEVICE_ERROR; the command may have run. */
export function deviceError(what: string, detail: string, extensions: ProblemExtensions): DriverCommandError {
  return new DriverCommandError('DEVICE_ERROR', `${what}: ${detail}`, extensions, 'unknown');
}

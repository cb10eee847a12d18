// Run-time fault injection for servo-sim: one command per stdin line, applied to every device. The
// line's faults, reboot and the cable work on every model; the rest only on the model they name.

import type { HardwareErrorName } from '../models/dynamixel/index.js';
import type { AnySimulatedLink, MaestroInjectedError } from '../types.js';
import { HARDWARE_ERROR_WORDS, STDIN_COMMANDS } from './args.js';

const SERIAL_ERRORS: Readonly<Record<string, MaestroInjectedError>> = {
  signal: 'SERIAL_SIGNAL',
  overrun: 'SERIAL_OVERRUN',
  'buffer-full': 'SERIAL_BUFFER_FULL',
};

/** `overload` -> OVERLOAD, `input-voltage` -> INPUT_VOLTAGE. */
const hardwareError = (word: string | undefined): HardwareErrorName | undefined =>
  word !== undefined && HARDWARE_ERROR_WORDS.includes(word)
    ? (word.toUpperCase().replace(/-/g, '_') as HardwareErrorName)
    : undefined;

/** Applies one command line; returns a short result for stderr. Unknown commands are reported, not thrown. */
export function applyStdinCommand(line: string, links: readonly AnySimulatedLink[]): string {
  const [command, ...args] = line.trim().split(/\s+/);
  if (!command) return '';
  const spec = STDIN_COMMANDS.find((c) => c.usage.split(' ')[0] === command);
  const notFor = links.find((link) => spec?.models && !spec.models.includes(link.model));
  if (notFor) return `"${command}" does not apply to a ${notFor.model} device (see servo-sim --help)`;
  try {
    for (const link of links) {
      const faults = link.faults;
      switch (command) {
        case 'reboot':
          faults.reboot();
          break;
        case 'unplug':
          faults.unplug();
          break;
        case 'replug':
          faults.replug();
          break;
        case 'withhold':
          faults.withholdNextReply();
          break;
        case 'garbage':
          faults.garbageBurst(Number(args[0] ?? 32));
          break;
        case 'corrupt':
          faults.corruptRate = Number(args[0]);
          break;
        case 'drop':
          faults.dropRate = Number(args[0]);
          break;
        case 'duplicate':
          faults.duplicateRate = Number(args[0]);
          break;
        case 'latency':
          faults.extraLatencyMs = Number(args[0]);
          break;
        case 'estop':
          if (link.model !== 'servo-edge') break;
          if (args[0] !== 'on' && args[0] !== 'off') return 'usage: estop on|off';
          link.faults.setEstopInput(args[0] === 'on');
          break;
        case 'stick':
          if (link.model !== 'servo-edge') break;
          if (args[1] !== 'on' && args[1] !== 'off') return 'usage: stick AXIS on|off';
          link.faults.stickAxis(Number(args[0]), args[1] === 'on');
          break;
        case 'serial-error': {
          if (link.model !== 'maestro') break;
          const error = SERIAL_ERRORS[args[0] ?? ''];
          if (!error) return `usage: serial-error ${Object.keys(SERIAL_ERRORS).join('|')}`;
          link.faults.serialError(error);
          break;
        }
        case 'hw-error': {
          if (link.model !== 'dynamixel') break;
          const error = hardwareError(args[1]);
          if (!/^\d+$/.test(args[0] ?? '') || !error) {
            return `usage: hw-error ID ${HARDWARE_ERROR_WORDS.join('|')}`;
          }
          link.faults.hardwareError(Number(args[0]), error);
          break;
        }
        default:
          return `unknown command "${command}" (see servo-sim --help)`;
      }
    }
  } catch (error) {
    return `${command}: ${(error as Error).message}`;
  }
  return `ok ${line.trim()}`;
}

// Run-time fault injection for servo-sim: one command per stdin line, applied to every controller.

import type { SimulatedController } from '../types.js';

/** Applies one command line; returns a short result for stderr. Unknown commands are reported, not thrown. */
export function applyStdinCommand(line: string, controllers: readonly SimulatedController[]): string {
  const [command, ...args] = line.trim().split(/\s+/);
  if (!command) return '';
  try {
    for (const controller of controllers) {
      const faults = controller.faults;
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
        case 'estop':
          if (args[0] !== 'on' && args[0] !== 'off') return 'usage: estop on|off';
          faults.setEstopInput(args[0] === 'on');
          break;
        case 'stick':
          if (args[1] !== 'on' && args[1] !== 'off') return 'usage: stick AXIS on|off';
          faults.stickAxis(Number(args[0]), args[1] === 'on');
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
        default:
          return `unknown command "${command}" (see servo-sim --help)`;
      }
    }
  } catch (error) {
    return `${command}: ${(error as Error).message}`;
  }
  return `ok ${line.trim()}`;
}

// The device path of a simulated controller: `sim://<id>` names a controller of @servo-edge/simulator
// running in the same process, opened through the simulator's serialport binding instead of a tty.
// Declared here, below everything that needs it, so the motion API, the gateway and the simulator share
// one constant and a process can tell a simulated path without loading the simulator.

export const SIM_PATH_PREFIX = 'sim://';

/** True for `sim://<id>`. */
export function isSimPath(path: string): boolean {
  return path.startsWith(SIM_PATH_PREFIX);
}

/** The controller id in `sim://<id>`; undefined for any other path. */
export function simControllerId(path: string): string | undefined {
  return isSimPath(path) ? path.slice(SIM_PATH_PREFIX.length) : undefined;
}

/** `sim://<id>`. */
export function simPath(id: string): string {
  return `${SIM_PATH_PREFIX}${id}`;
}

// The calling thread's own CPU time, for the decode workers' per-frame figures.
//
// process.cpuUsage() counts every thread of the process: V8's collector helpers, libuv's pool,
// another worker. A decode worker's cost on its core is its own thread's time on the CPU. Node 20
// has no per-thread call (process.threadCpuUsage came in Node 23.9), so it is read where Linux
// gives it: /proc/thread-self/schedstat, whose first field is the time the thread has spent on a
// CPU, in ns (kernel Documentation/scheduler/sched-stats.rst, "/proc/<pid>/schedstat").

import { readFileSync } from 'node:fs';

const SCHEDSTAT_PATH = '/proc/thread-self/schedstat';
let unavailable = process.platform !== 'linux';

/** This thread's time on a CPU so far, ms; undefined where the system does not say. */
export function threadCpuMs(): number | undefined {
  if (unavailable) return undefined;
  try {
    const onCpuNs = Number(readFileSync(SCHEDSTAT_PATH, 'latin1').split(' ', 1)[0]);
    if (Number.isFinite(onCpuNs)) return onCpuNs / 1e6;
  } catch {
    // A kernel built without schedstats, or /proc not mounted: say nothing from now on.
  }
  unavailable = true;
  return undefined;
}

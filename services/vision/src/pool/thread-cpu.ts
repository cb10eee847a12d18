// The calling thread's own CPU time, for the decode workers' per-frame figures.
//
// process.cpuUsage() counts every thread of the process: V8's collector helpers, libuv's pool,
// another worker. A decode worker's cost on its core is its own thread's time on the CPU. Node 20
// has no per-thread call (process.threadCpuUsage came in Node 23.9), so it is read where Linux
// gives it: /proc/thread-self/schedstat, whose first field is the time the thread has spent on a
// CPU, in ns (kernel Documentation/scheduler/sched-stats.rst, "/proc/<pid>/schedstat").
//
// That field is the scheduler's running total (se.sum_exec_runtime), which the kernel brings up to
// date only at a scheduler tick or a context switch, not when it is read: a running thread that
// reads its own reads a figure up to one tick old (4 ms at HZ=250). Measured here: a 3 ms stretch
// of work read as 0 or 4 ms. So the reading blocks the thread for a few microseconds first (a
// futex wait, Atomics.wait), which switches it off the CPU and brings the total up to date: the
// same 3 ms then read within 0.2 ms. It costs about 0.1 ms of wall time and almost no CPU.

import { readFileSync } from 'node:fs';

const SCHEDSTAT_PATH = '/proc/thread-self/schedstat';
/** Long enough that the futex wait really sleeps (1 us sometimes returned without switching). */
const ACCOUNTING_WAIT_MS = 0.02;
const accountingCell = new Int32Array(new SharedArrayBuffer(4));
let unavailable = process.platform !== 'linux';

/** This thread's time on a CPU so far, ms; undefined where the system does not say. */
export function threadCpuMs(): number | undefined {
  if (unavailable) return undefined;
  try {
    Atomics.wait(accountingCell, 0, 0, ACCOUNTING_WAIT_MS);
    const onCpuNs = Number(readFileSync(SCHEDSTAT_PATH, 'latin1').split(' ', 1)[0]);
    if (Number.isFinite(onCpuNs)) return onCpuNs / 1e6;
  } catch {
    // A kernel built without schedstats, or /proc not mounted: say nothing from now on.
  }
  unavailable = true;
  return undefined;
}

// `npm run bench`: every benchmark of the project, each figure printed beside a baseline from the same run.

import { runFirmwareBench } from '@servo-edge/simulator/firmware';
import { runDriversBench } from './drivers.js';
import { runGatewayBench } from './gateway.js';
import { runMotionApiBench } from './motion-api.js';
import { runProtocolBench } from './protocol.js';
import { runProtocolNoiseBench } from './protocol-noise.js';
import { runSimulatorBench } from './simulator.js';
import { runVisionBench } from './vision.js';

const suites: Record<string, () => Promise<void>> = {
  protocol: runProtocolBench,
  'protocol-noise': runProtocolNoiseBench,
  simulator: runSimulatorBench,
  'motion-api': runMotionApiBench,
  drivers: runDriversBench,
  firmware: () => runFirmwareBench(),
  vision: runVisionBench,
  gateway: runGatewayBench,
};

const only = process.argv.slice(2);
// The common clock's timers never hold the process open (services/common README), and some suites
// wait on nothing else: hold it open until every suite has run.
const keepAlive = setInterval(() => {}, 60_000);
console.log(`servo-edge benchmarks on Node ${process.version}, ${process.arch}`);
for (const [name, run] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  await run();
}
clearInterval(keepAlive);

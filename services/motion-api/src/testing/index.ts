// @servo-edge/motion-api/testing: what tests and benchmarks of other packages need to build a motion
// config (the simulator-backed tests in tests/motion-api, the benchmark, the gateway's tests) and to
// test a WebSocket fan-out.

export {
  armAxis,
  conveyorAxis,
  dynamixelAxis,
  hobbyServoAxis,
  KEYS,
  rawTestConfig,
  testConfig,
} from './config.js';
export { FakeWebSocket } from './fake-socket.js';

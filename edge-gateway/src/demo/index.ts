// @servo-edge/edge-gateway/demo: the demo stack and its plant, kept apart from the gateway's entry point
// so that a gateway on real hardware never loads the simulator, the label generator or their memory.

export {
  type DemoConfigOptions,
  type DemoConfigSource,
  type DemoKeys,
  demoConfigSource,
  demoKeys,
  type ExternalBrokerOption,
  loadDemoConfig,
  MAESTRO_REJECT_ARM,
  REJECT_ARM_DRIVERS,
  type RejectArmDriver,
} from './demo-config.js';
export {
  type CameraClients,
  connectClient,
  createDemoCamera,
  createDemoControllers,
  createDemoLine,
  DEMO_CONTROLLER_SETTINGS,
  type DemoLineOptions,
  maestroRejectArmCounts,
  publishStationChecks,
  startVisionProcess,
  stopChild,
  type VisionProcess,
  type VisionProcessOptions,
  visionSelfTest,
} from './demo-plant.js';
export { type DemoOptions, type DemoStack, startDemo } from './demo-stack.js';
export { SimulatedCamera } from './simulated-camera.js';

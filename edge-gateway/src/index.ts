// Public API of @servo-edge/edge-gateway: config, broker and connection, bridge, PackML line model, ports, CLI.
// The demo and its simulated plant are at @servo-edge/edge-gateway/demo.

export type { Identity } from './auth/key-store.js';
export { KeyStore } from './auth/key-store.js';
export { ROLES, type Role } from './auth/roles.js';
export {
  type BridgeStats,
  createMqttBridge,
  gatewayStatusWill,
  type MqttBridge,
  type MqttBridgeOptions,
} from './bridge/mqtt-bridge.js';
export type {
  AxisStateSnapshot,
  AxisStateSource,
  LineStateSource,
  LinkStateSnapshot,
  LinkStateSource,
  SnapshotSource,
} from './bridge/state-sources.js';
export { mayPublish, maySubscribe, type Principal, PUBLISH_RULES } from './broker/acl.js';
export {
  type BrokerConnection,
  type BrokerConnectionOptions,
  type ConnectTarget,
  createBrokerConnection,
  type LastWill,
  type MessageHandler,
  type PublishOptions,
} from './broker/broker-connection.js';
export {
  type BrokerCredentials,
  createEmbeddedBroker,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
} from './broker/embedded-broker.js';
export { createGatewayConnection, type GatewayConnectionOptions } from './broker/gateway-connection.js';
export type { CliCommand, CliIo } from './cli/cli-command.js';
export { COMMANDS } from './cli/commands/index.js';
export { createRunCommand, type RunCommandOptions } from './cli/commands/run.js';
export { main as cliMain } from './cli/main.js';
export * from './config/index.js';
export {
  GATEWAY_ERRORS,
  GatewayError,
  type GatewayErrorCode,
  isGatewayError,
} from './errors.js';
export { createGateway, type Gateway, type GatewayDeps } from './gateway.js';
export {
  createLineController,
  type LineController,
  type LineControllerOptions,
} from './line/line-controller.js';
export { motionConfigFor } from './motion-config.js';
export {
  type AutomaticReason,
  type LineChange,
  LineModel,
  type LineModelOptions,
  type LineStateSnapshot,
  type LineTransition,
} from './packml/line-model.js';
export {
  type CounterSnapshot,
  ProductionCounters,
  type ProductOutcome,
} from './packml/production-counters.js';
export { PackMLStateMachine, type PackMLTransition } from './packml/state-machine.js';
export {
  COMMAND_TRANSITIONS,
  commandsAllowedIn,
  isActingState,
  isPackMLCommand,
  PACKML_COMMANDS,
  PACKML_STATES,
  type PackMLCommand,
  type PackMLState,
  STATE_COMPLETE,
} from './packml/states.js';
export { listSerialPorts, type PortListing, type SerialPortEntry } from './ports/list-serial-ports.js';
export { BoundedRing } from './util/bounded-ring.js';

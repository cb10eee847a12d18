// The simulated Pololu Maestro: a device model that speaks the Maestro's own serial protocol.

export {
  createMaestroModel,
  MAESTRO_MODEL_ERROR_BITS,
  type MaestroChannelSnapshot,
  MaestroModel,
  type MaestroModelError,
  type MaestroModelOptions,
  type MaestroSerialMode,
} from './maestro-model.js';
export {
  DEFAULT_MAESTRO_CHANNEL_SETTINGS,
  MAESTRO_UPDATE_MS,
  type MaestroChannelSettings,
  type MaestroHomeSetting,
} from './servo-channel.js';

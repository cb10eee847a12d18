// The vision service: MQTT in (frames, recipe), worker pool in the middle, verdicts and status out.
//
// Lifecycle: createVisionService() does no I/O. start() starts the workers, connects, subscribes
// (recipe first, so its retained copy arrives before any frame), then publishes `online`.
// close() is idempotent and shuts down in this order:
//   1. unsubscribe from frames (with a shared subscription, the broker hands new frames to others);
//   2. wait for frames already received to get their verdicts (bounded by the queue deadline);
//   3. terminate the workers;
//   4. publish the retained `offline` status, then disconnect cleanly (so the Last Will is not sent).

import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type Clock, systemClock } from './clock.js';
import { redactedConfig, type VisionConfig } from './config.js';
import { type ErrorCode, isVisionError, type ReasonCode, VisionError } from './errors.js';
import { decodeFrame } from './frame/frame-codec.js';
import { planFromRecipe } from './inspect/inspect-image.js';
import { judge } from './inspect/verdict.js';
import { roundTimings, type VerdictMessage } from './inspect/verdict-message.js';
import { createJsonLogger, type Logger } from './log.js';
import { STATUS_OFFLINE, STATUS_ONLINE, type VisionTopics, visionTopics } from './mqtt/topics.js';
import { createInspectionPool, type InspectionPool, type PoolStats } from './pool/inspection-pool.js';
import { type SpawnWorker, spawnInspectWorker } from './pool/spawn-worker.js';
import { parseRecipePayload, type Recipe } from './recipe.js';

/** How the service opens its MQTT connection; tests inject wrappers around mqtt.connect. */
export type ConnectFn = (url: string, options: IClientOptions) => MqttClient;

export interface VisionServiceOptions {
  config: VisionConfig;
  connect?: ConnectFn;
  clock?: Clock;
  log?: Logger;
  spawnWorker?: SpawnWorker;
  /** Upper bound on each shutdown step that waits for the broker. */
  closeTimeoutMs?: number;
}

export interface VisionServiceStats {
  framesReceived: number;
  verdictsPublished: number;
  passes: number;
  rejects: number;
  verdictsDropped: number;
  hasRecipe: boolean;
  pool: PoolStats;
}

export interface VisionService {
  readonly topics: VisionTopics;
  start(): Promise<void>;
  /** Idempotent; safe before, during or after start(). */
  close(): Promise<void>;
  stats(): VisionServiceStats;
}

/** Verdicts waiting for their PUBACK; past this the broker is gone and we stop piling them up. */
const MAX_UNACKED_VERDICTS = 1000;
const DEFAULT_CLOSE_TIMEOUT_MS = 5000;

export function createVisionService(options: VisionServiceOptions): VisionService {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createJsonLogger({ level: config.log.level });
  const connect = options.connect ?? mqtt.connect;
  const closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  const topics = visionTopics(config.topicPrefix, config.instance, config.mqtt.shareGroup);
  const pool: InspectionPool = createInspectionPool({
    workers: config.inspection.workers,
    queueLength: config.inspection.queueLength,
    deadlineMs: config.inspection.deadlineMs,
    decodeTimeoutMs: config.inspection.decodeTimeoutMs,
    limits: {
      maxImageWidthPx: config.limits.maxImageWidthPx,
      maxImageHeightPx: config.limits.maxImageHeightPx,
    },
    clock,
    log,
    spawn: options.spawnWorker ?? spawnInspectWorker,
  });

  let client: MqttClient | undefined;
  let recipe: Recipe | null = null;
  let starting: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let acceptingFrames = true;
  let unackedVerdicts = 0;
  const inFlight = new Set<Promise<void>>();
  const stats = { framesReceived: 0, verdictsPublished: 0, passes: 0, rejects: 0, verdictsDropped: 0 };

  function publishVerdict(message: VerdictMessage): void {
    if (!client) return;
    if (unackedVerdicts >= MAX_UNACKED_VERDICTS) {
      stats.verdictsDropped++;
      log.error('verdict.dropped', { productId: message.productId, unackedVerdicts });
      return;
    }
    unackedVerdicts++;
    stats.verdictsPublished++;
    if (message.verdict === 'pass') stats.passes++;
    else stats.rejects++;
    client
      .publishAsync(topics.inspection, JSON.stringify(message), { qos: 1 })
      .catch((error: unknown) => log.error('verdict.publish_failed', { productId: message.productId, error }))
      .finally(() => unackedVerdicts--);
  }

  function rejectFrame(
    base: { productId: string | null; camera: string; capturedAtMs: number | null; arrivedAtMs: number },
    reason: ReasonCode,
    detail: ErrorCode | undefined,
    timings: { queueWaitMs: number; decodeMs: number },
  ): void {
    const nowMs = clock.nowMs();
    publishVerdict({
      productId: base.productId,
      camera: base.camera,
      instance: config.instance,
      verdict: 'reject',
      reasons: [reason],
      ...(detail === undefined ? {} : { detail }),
      decoded: null,
      label: null,
      capturedAtMs: base.capturedAtMs,
      inspectedAtMs: nowMs,
      timings: roundTimings({ ...timings, totalMs: nowMs - base.arrivedAtMs }),
    });
  }

  async function handleFrame(camera: string, payload: Uint8Array, arrivedAtMs: number): Promise<void> {
    stats.framesReceived++;
    const noTimings = { queueWaitMs: 0, decodeMs: 0 };
    if (payload.byteLength > config.limits.maxPayloadBytes) {
      log.warn('frame.unreadable', { code: 'FRAME_TOO_LARGE', camera, bytes: payload.byteLength });
      rejectFrame(
        { productId: null, camera, capturedAtMs: null, arrivedAtMs },
        'UNREADABLE_IMAGE',
        'FRAME_TOO_LARGE',
        noTimings,
      );
      return;
    }
    const decoded = decodeFrame(payload);
    if (!decoded.ok) {
      log.warn('frame.unreadable', {
        code: decoded.code,
        camera,
        productId: decoded.productId,
        bytes: payload.byteLength,
      });
      rejectFrame(
        { productId: decoded.productId ?? null, camera, capturedAtMs: null, arrivedAtMs },
        'UNREADABLE_IMAGE',
        decoded.code,
        noTimings,
      );
      return;
    }
    const { header, image } = decoded.frame;
    const base = { productId: header.productId, camera, capturedAtMs: header.capturedAtMs, arrivedAtMs };
    // Judge against the recipe in force when the frame arrived, even if a new one lands meanwhile.
    const frameRecipe = recipe;
    if (!frameRecipe) {
      log.warn('frame.no_recipe', { productId: header.productId, camera });
      rejectFrame(base, 'NO_RECIPE', undefined, noTimings);
      return;
    }
    const outcome = await pool.submit({
      format: header.format,
      ...(header.widthPx === undefined ? {} : { widthPx: header.widthPx }),
      ...(header.heightPx === undefined ? {} : { heightPx: header.heightPx }),
      image,
      plan: planFromRecipe(frameRecipe),
      arrivedAtMs,
    });
    if (outcome.kind === 'failed') {
      const event = outcome.reason === 'UNREADABLE_IMAGE' ? 'frame.unreadable' : 'frame.not_judged';
      log.warn(event, { code: outcome.detail ?? outcome.reason, productId: header.productId, camera });
      rejectFrame(base, outcome.reason, outcome.detail, {
        queueWaitMs: outcome.queueWaitMs,
        decodeMs: outcome.decodeMs ?? 0,
      });
      return;
    }
    const nowMs = clock.nowMs();
    const judgement = judge(outcome.findings, frameRecipe, nowMs);
    publishVerdict({
      productId: header.productId,
      camera,
      instance: config.instance,
      verdict: judgement.verdict,
      reasons: judgement.reasons,
      decoded: judgement.decoded,
      label: judgement.label,
      capturedAtMs: header.capturedAtMs,
      inspectedAtMs: nowMs,
      timings: roundTimings({
        queueWaitMs: outcome.queueWaitMs,
        decodeMs: outcome.decodeMs,
        totalMs: nowMs - arrivedAtMs,
      }),
    });
  }

  function handleRecipe(payload: Uint8Array): void {
    try {
      recipe = parseRecipePayload(payload);
      log.info(
        recipe ? 'recipe.accepted' : 'recipe.cleared',
        recipe ? { gtin: recipe.gtin, symbology: recipe.symbology } : {},
      );
    } catch (error) {
      // A bad recipe must not leave the previous one in force: until a valid one arrives, reject all.
      recipe = null;
      log.error('recipe.invalid', {
        code: isVisionError(error) ? error.code : 'PARSE_FAILED',
        path: isVisionError(error) ? error.path : undefined,
      });
    }
  }

  function onMessage(topic: string, payload: Buffer): void {
    const arrivedAtMs = clock.nowMs();
    if (topic === topics.recipe) {
      handleRecipe(payload);
      return;
    }
    const camera = topics.cameraOf(topic);
    if (camera === undefined || !acceptingFrames) return;
    const task = handleFrame(camera, payload, arrivedAtMs).catch((error: unknown) => {
      // handleFrame has no expected failure; anything here is a bug, and must not kill the process.
      log.error('frame.internal_error', { camera, error });
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }

  async function onConnected(activeClient: MqttClient): Promise<void> {
    // Recipe first: its retained copy is delivered before the first frame can be.
    await activeClient.subscribeAsync(topics.recipe, { qos: 1 });
    await activeClient.subscribeAsync(topics.frameSubscription, { qos: 1 });
    await activeClient.publishAsync(topics.status, STATUS_ONLINE, { qos: 1, retain: true });
    log.info('mqtt.connected', { url: config.mqtt.url, frames: topics.frameSubscription });
  }

  function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = clock.setTimer(() => reject(onTimeout()), timeoutMs);
      promise.then(
        (value) => {
          clock.clearTimer(timer);
          resolve(value);
        },
        (error: unknown) => {
          clock.clearTimer(timer);
          reject(error);
        },
      );
    });
  }

  async function doStart(): Promise<void> {
    log.info('service.starting', { config: redactedConfig(config) });
    await pool.start();
    const mqttOptions: IClientOptions = {
      clientId: config.mqtt.clientId ?? `servo-vision-${config.instance}`,
      protocolVersion: config.mqtt.protocolVersion,
      keepalive: config.mqtt.keepaliveS,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: config.mqtt.connectTimeoutMs,
      // We subscribe again on every connect ourselves, recipe before frames.
      resubscribe: false,
      will: { topic: topics.status, payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true },
      ...(config.mqtt.username === undefined ? {} : { username: config.mqtt.username }),
      ...(config.mqtt.password === undefined ? {} : { password: config.mqtt.password }),
    };
    const activeClient = connect(config.mqtt.url, mqttOptions);
    client = activeClient;
    activeClient.on('message', onMessage);
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          activeClient.once('connect', () => resolve());
          activeClient.once('error', reject);
        }),
        config.mqtt.connectTimeoutMs,
        () => new VisionError('MQTT_CONNECT_FAILED', 'timed out waiting for the broker'),
      );
      await onConnected(activeClient);
    } catch (error) {
      activeClient.end(true);
      client = undefined;
      await pool.close();
      throw isVisionError(error)
        ? error
        : new VisionError('MQTT_CONNECT_FAILED', 'could not connect to the broker', { cause: error });
    }
    activeClient.on('error', (error) => log.warn('mqtt.error', { error }));
    activeClient.on('offline', () => log.warn('mqtt.offline', {}));
    activeClient.on('connect', () => {
      onConnected(activeClient).catch((error: unknown) => log.error('mqtt.resubscribe_failed', { error }));
    });
    log.info('service.started', { instance: config.instance, workers: config.inspection.workers });
  }

  async function doClose(): Promise<void> {
    acceptingFrames = false;
    // Let a start() in progress settle first, so we close what it opened.
    await starting?.catch(() => undefined);
    const activeClient = client;
    const bounded = (promise: Promise<unknown>) =>
      withTimeout(promise, closeTimeoutMs, () => new Error('close step timed out')).catch((error: unknown) =>
        log.warn('service.close_step_failed', { error }),
      );
    if (activeClient?.connected) await bounded(activeClient.unsubscribeAsync(topics.frameSubscription));
    await Promise.allSettled([...inFlight]);
    await pool.close();
    if (activeClient) {
      if (activeClient.connected) {
        await bounded(activeClient.publishAsync(topics.status, STATUS_OFFLINE, { qos: 1, retain: true }));
      }
      await bounded(activeClient.endAsync());
      activeClient.end(true);
    }
    client = undefined;
    log.info('service.closed', {});
  }

  return {
    topics,
    start() {
      if (closing) return Promise.reject(new VisionError('SERVICE_CLOSED', 'service is closed'));
      starting ??= doStart();
      return starting;
    },
    close() {
      closing ??= doClose();
      return closing;
    },
    stats() {
      return { ...stats, hasRecipe: recipe !== null, pool: pool.stats() };
    },
  };
}

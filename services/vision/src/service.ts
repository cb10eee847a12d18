// The vision service: MQTT in (frames, recipe), worker pool in the middle, verdicts and status out.
//
// Lifecycle: createVisionService() does no I/O. start() starts the workers, connects, subscribes
// (recipe first, so its retained copy arrives before any frame), then publishes `online`.
// close() is idempotent and shuts down in this order:
//   1. unsubscribe from frames (with a shared subscription, the broker hands new frames to others);
//   2. wait for frames already received to get their verdicts (bounded by the queue deadline);
//   3. terminate the workers;
//   4. publish the retained `offline` status, then disconnect cleanly (so the Last Will is not sent).

import { type Clock, elapsedMs, type MonotonicMs, systemClock } from '@servo-edge/common/clock';
import type { Logger } from '@servo-edge/common/log';
import {
  checkRecipePayload,
  decodeFrame,
  type ReasonCode,
  type Recipe,
  STATUS_OFFLINE,
  STATUS_ONLINE,
  sharedSubscription,
  topicTree,
  type VerdictMessage,
} from '@servo-edge/common/mqtt';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { redactedConfig, type VisionConfig } from './config.js';
import { type ErrorCode, isVisionError, VisionError } from './errors.js';
import { planFromRecipe } from './inspect/inspect-image.js';
import { judge } from './inspect/verdict.js';
import { createInspectionPool, type InspectionPool, type PoolStats } from './pool/inspection-pool.js';
import { inspectWorkerSpawner, type SpawnWorker } from './pool/spawn-worker.js';
import { createVisionLogger } from './vision-logger.js';

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

/** The part of the topic tree (@servo-edge/common/mqtt) one instance uses. */
export interface VisionTopics {
  /** Filter for every camera's frames: `<prefix>/camera/+/frame`. */
  frames: string;
  /** What to subscribe to: `frames`, or `$share/<group>/<frames>` to split frames between instances. */
  frameSubscription: string;
  /** Retained JSON recipe. */
  recipe: string;
  /** Verdicts, QoS 1. */
  inspection: string;
  /** Retained `online` / `offline` of this instance; also the Last Will topic. */
  status: string;
  /** The camera name in a frame topic, or undefined when the topic is not a frame topic. */
  cameraOf(topic: string): string | undefined;
}

export function visionTopics(prefix: string, instance: string, shareGroup?: string): VisionTopics {
  const tree = topicTree(prefix);
  return {
    frames: tree.cameraFrames,
    frameSubscription:
      shareGroup === undefined ? tree.cameraFrames : sharedSubscription(shareGroup, tree.cameraFrames),
    recipe: tree.recipe,
    inspection: tree.inspection,
    status: tree.visionStatus(instance),
    cameraOf: tree.cameraOf,
  };
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
  const log = options.log ?? createVisionLogger(config.log.level);
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
    spawn: options.spawnWorker ?? inspectWorkerSpawner(config.inspection.workerHeapMb),
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
      log.error({ productId: message.productId, unackedVerdicts }, 'verdict.dropped');
      return;
    }
    unackedVerdicts++;
    stats.verdictsPublished++;
    if (message.verdict === 'pass') stats.passes++;
    else stats.rejects++;
    client
      .publishAsync(topics.inspection, JSON.stringify(message), { qos: 1 })
      .catch((err: unknown) => log.error({ productId: message.productId, err }, 'verdict.publish_failed'))
      .finally(() => unackedVerdicts--);
  }

  function rejectFrame(
    base: { productId: string | null; camera: string; capturedAtMs: number | null; arrivedAtMs: MonotonicMs },
    reason: ReasonCode,
    detail: ErrorCode | undefined,
    timings: { queueWaitMs: number; decodeMs: number },
  ): void {
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
      inspectedAtMs: clock.epochMs(),
      timings: roundTimings({ ...timings, totalMs: elapsedMs(base.arrivedAtMs, clock.monotonicMs()) }),
    });
  }

  async function handleFrame(camera: string, payload: Uint8Array, arrivedAtMs: MonotonicMs): Promise<void> {
    stats.framesReceived++;
    const noTimings = { queueWaitMs: 0, decodeMs: 0 };
    if (payload.byteLength > config.limits.maxPayloadBytes) {
      log.warn({ code: 'FRAME_TOO_LARGE', camera, bytes: payload.byteLength }, 'frame.unreadable');
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
      log.warn(
        { code: decoded.code, camera, productId: decoded.productId, bytes: payload.byteLength },
        'frame.unreadable',
      );
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
      log.warn({ productId: header.productId, camera }, 'frame.no_recipe');
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
      log.warn({ code: outcome.detail ?? outcome.reason, productId: header.productId, camera }, event);
      rejectFrame(base, outcome.reason, outcome.detail, {
        queueWaitMs: outcome.queueWaitMs,
        decodeMs: outcome.decodeMs ?? 0,
      });
      return;
    }
    const judgement = judge(outcome.findings, frameRecipe, clock.epochMs());
    publishVerdict({
      productId: header.productId,
      camera,
      instance: config.instance,
      verdict: judgement.verdict,
      reasons: judgement.reasons,
      decoded: judgement.decoded,
      label: judgement.label,
      capturedAtMs: header.capturedAtMs,
      inspectedAtMs: clock.epochMs(),
      timings: roundTimings({
        queueWaitMs: outcome.queueWaitMs,
        decodeMs: outcome.decodeMs,
        totalMs: elapsedMs(arrivedAtMs, clock.monotonicMs()),
      }),
    });
  }

  function handleRecipe(payload: Uint8Array): void {
    const result = checkRecipePayload(payload);
    if (!result.ok) {
      // A bad recipe must not leave the previous one in force: until a valid one arrives, reject all.
      recipe = null;
      const [first] = result.problems;
      log.error(
        {
          code: first?.code,
          path: first?.path,
          problems: result.problems.map(({ code, path, message }) => ({ code, path, message })),
        },
        'recipe.invalid',
      );
      return;
    }
    recipe = result.value;
    if (recipe) log.info({ gtin: recipe.gtin, symbology: recipe.symbology }, 'recipe.accepted');
    else log.info({}, 'recipe.cleared');
  }

  function onMessage(topic: string, payload: Buffer): void {
    const arrivedAtMs = clock.monotonicMs();
    if (topic === topics.recipe) {
      handleRecipe(payload);
      return;
    }
    const camera = topics.cameraOf(topic);
    if (camera === undefined || !acceptingFrames) return;
    const task = handleFrame(camera, payload, arrivedAtMs).catch((err: unknown) => {
      // handleFrame has no expected failure; anything here is a bug, and must not kill the process.
      log.error({ camera, err }, 'frame.internal_error');
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }

  async function onConnected(activeClient: MqttClient): Promise<void> {
    // Recipe first: its retained copy is delivered before the first frame can be.
    await activeClient.subscribeAsync(topics.recipe, { qos: 1 });
    await activeClient.subscribeAsync(topics.frameSubscription, { qos: 1 });
    await activeClient.publishAsync(topics.status, STATUS_ONLINE, { qos: 1, retain: true });
    log.info({ url: config.mqtt.url, frames: topics.frameSubscription }, 'mqtt.connected');
  }

  function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = clock.after(timeoutMs, () => reject(onTimeout()));
      promise.then(
        (value) => {
          cancel();
          resolve(value);
        },
        (error: unknown) => {
          cancel();
          reject(error);
        },
      );
    });
  }

  async function doStart(): Promise<void> {
    log.info({ config: redactedConfig(config) }, 'service.starting');
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
    activeClient.on('error', (err) => log.warn({ err }, 'mqtt.error'));
    activeClient.on('offline', () => log.warn({}, 'mqtt.offline'));
    activeClient.on('connect', () => {
      onConnected(activeClient).catch((err: unknown) => log.error({ err }, 'mqtt.resubscribe_failed'));
    });
    log.info({ instance: config.instance, workers: config.inspection.workers }, 'service.started');
  }

  async function doClose(): Promise<void> {
    acceptingFrames = false;
    // Let a start() in progress settle first, so we close what it opened.
    await starting?.catch(() => undefined);
    const activeClient = client;
    const bounded = (promise: Promise<unknown>) =>
      withTimeout(promise, closeTimeoutMs, () => new Error('close step timed out')).catch((err: unknown) =>
        log.warn({ err }, 'service.close_step_failed'),
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
    log.info({}, 'service.closed');
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

/** Hundredths of a millisecond are plenty, and keep the verdict short. */
function roundTimings(timings: VerdictMessage['timings']): VerdictMessage['timings'] {
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    queueWaitMs: round(timings.queueWaitMs),
    decodeMs: round(timings.decodeMs),
    totalMs: round(timings.totalMs),
  };
}

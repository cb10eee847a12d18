// The motion API's metrics: request latency (observed per request), and link and axis figures read
// from the service at scrape time (rtt, retransmits, CRC errors, bytes, queue depths, link up).

import type { MotionService } from '../motion/motion-service.js';
import { type Histogram, MetricsRegistry, type Sample } from './prometheus.js';

export interface MotionMetrics {
  registry: MetricsRegistry;
  requestDuration: Histogram;
  streamClientsDropped: { inc(): void };
  streamClients: { set(n: number): void };
}

const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMotionMetrics(service: MotionService): MotionMetrics {
  const registry = new MetricsRegistry();
  const requestDuration = registry.histogram(
    'motion_http_request_duration_seconds',
    'HTTP request latency by route and status.',
    LATENCY_BUCKETS_S,
  );
  const perLink =
    (pick: (c: ReturnType<MotionService['controllers']>[number]) => number | null): (() => Sample[]) =>
    () =>
      service.controllers().flatMap((c) => {
        const value = pick(c);
        return value === null ? [] : [{ labels: { controller: c.id }, value }];
      });
  const links: [string, string, 'counter' | 'gauge', Parameters<typeof perLink>[0]][] = [
    ['motion_link_up', '1 while the controller link is ready.', 'gauge', (c) => (c.connected ? 1 : 0)],
    [
      'motion_link_rtt_seconds',
      'Smoothed request->reply time.',
      'gauge',
      (c) => (c.rttMs === null ? null : c.rttMs / 1000),
    ],
    ['motion_link_retransmits_total', 'Frames sent again (go-back-N).', 'counter', (c) => c.retransmits],
    ['motion_link_timeouts_total', 'Reply timeouts.', 'counter', (c) => c.timeouts],
    [
      'motion_link_crc_errors_total',
      'Device lines that failed checksum or syntax here.',
      'counter',
      (c) => c.crcErrors,
    ],
    [
      'motion_link_error_replies_total',
      'ERR CRC/SYNTAX/SEQ replies from the device.',
      'counter',
      (c) => c.linkErrorReplies,
    ],
    // servo-edge v2 event delivery (PROTOCOL.md §v2 Events): what noise costs instead of lost outcomes.
    [
      'motion_link_events_delivered_total',
      'Sequenced events delivered once, in order (servo-edge v2).',
      'counter',
      (c) => c.events?.delivered ?? null,
    ],
    [
      'motion_link_event_resends_total',
      'Events the device sent again after they were delivered (a lost ACK; servo-edge v2).',
      'counter',
      (c) => c.events?.duplicates ?? null,
    ],
    [
      'motion_link_event_gaps_total',
      'Events that arrived ahead of a lost one; each asks the device to resend (servo-edge v2).',
      'counter',
      (c) => c.events?.gaps ?? null,
    ],
    ['motion_link_bytes_in_total', 'Bytes received from the controller.', 'counter', (c) => c.bytesIn],
    ['motion_link_bytes_out_total', 'Bytes written to the controller.', 'counter', (c) => c.bytesOut],
    ['motion_link_reconnects_total', 'Reconnect attempts after a loss.', 'counter', (c) => c.reconnects],
    [
      'motion_link_pending_requests',
      'Requests unanswered or waiting for window space.',
      'gauge',
      (c) => c.pendingRequests,
    ],
    [
      'motion_estop_latched',
      '1 while the host e-stop latch is set.',
      'gauge',
      (c) => (c.estopLatched ? 1 : 0),
    ],
  ];
  for (const [name, help, type, pick] of links)
    registry.collected({ name, help, type, collect: perLink(pick) });
  registry.collected({
    name: 'motion_axis_queue_depth',
    help: 'Moves queued on the controller per axis (GET q=).',
    type: 'gauge',
    collect: () => service.listAxes().map((a) => ({ labels: { axis: a.name }, value: a.queue.device })),
  });
  registry.collected({
    name: 'motion_axis_open_moves',
    help: 'Moves sent by this service and not finished, per axis.',
    type: 'gauge',
    collect: () => service.listAxes().map((a) => ({ labels: { axis: a.name }, value: a.queue.open })),
  });
  const dropped = registry.counter(
    'motion_stream_clients_dropped_total',
    'WebSocket clients dropped as too slow.',
  );
  let clients = 0;
  registry.collected({
    name: 'motion_stream_clients',
    help: 'Connected WebSocket clients.',
    type: 'gauge',
    collect: () => [{ labels: {}, value: clients }],
  });
  return {
    registry,
    requestDuration,
    streamClientsDropped: { inc: () => dropped.inc() },
    streamClients: {
      set(n) {
        clients = n;
      },
    },
  };
}

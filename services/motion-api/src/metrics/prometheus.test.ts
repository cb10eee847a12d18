// The Prometheus text writer: HELP/TYPE lines, label escaping, cumulative histogram buckets.

import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from './prometheus.js';

describe('MetricsRegistry', () => {
  it('renders counters, collected gauges and histograms in the text format', () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter('x_total', 'Things.');
    counter.inc({ path: 'a"b\\c\nd' }, 2);
    registry.collected({
      name: 'y',
      help: 'Now.',
      type: 'gauge',
      collect: () => [{ labels: {}, value: 1.5 }],
    });
    const h = registry.histogram('lat_seconds', 'Latency.', [0.1, 1]);
    h.observe({ r: '/a' }, 0.05);
    h.observe({ r: '/a' }, 0.5);
    h.observe({ r: '/a' }, 5);
    expect(registry.render()).toBe(
      [
        '# HELP x_total Things.',
        '# TYPE x_total counter',
        'x_total{path="a\\"b\\\\c\\nd"} 2',
        '# HELP y Now.',
        '# TYPE y gauge',
        'y 1.5',
        '# HELP lat_seconds Latency.',
        '# TYPE lat_seconds histogram',
        'lat_seconds_bucket{r="/a",le="0.1"} 1',
        'lat_seconds_bucket{r="/a",le="1"} 2',
        'lat_seconds_bucket{r="/a",le="+Inf"} 3',
        'lat_seconds_sum{r="/a"} 5.55',
        'lat_seconds_count{r="/a"} 3',
        '',
      ].join('\n'),
    );
  });
});

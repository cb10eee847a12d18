// The ACL table: each role's publish rights, subscriptions confined to the prefix.

import { topicTree } from '@servo-edge/common/mqtt';
import { describe, expect, it } from 'vitest';
import { readmeSection, tableRows, unquote } from '../test-support/readme.js';
import { mayPublish, maySubscribe, type Principal, PUBLISH_RULES } from './acl.js';

const prefix = 'servo-edge/line-1';
const t = topicTree(prefix);
const principals: Principal[] = ['viewer', 'operator', 'service', 'admin', 'gateway'];

/** topic -> the principals that may publish it. */
const EXPECTED: [string, Principal[]][] = [
  [t.gatewayStatus, ['admin', 'gateway']],
  [t.axisState('conveyor'), ['admin', 'gateway']],
  [t.linkState('ctrl-a'), ['admin', 'gateway']],
  [t.lineState, ['admin', 'gateway']],
  [t.lineCommand, ['operator', 'admin']],
  // The reserved axis-command topic is gone: nothing implemented it, so operators may not publish there.
  [`${prefix}/axes/reject-arm/command`, ['admin']],
  [t.recipe, ['operator', 'admin']],
  [t.cameraFrame('cam-1'), ['service', 'admin']],
  [t.inspection, ['service', 'admin']],
  [t.visionStatus('vision-a'), ['service', 'admin']],
  [`${prefix}/something/else`, ['admin']],
  ['servo-edge/line-2/line/command', ['admin']],
  ['elsewhere', ['admin']],
  ['$SYS/broker/x', []],
];

describe('ACL', () => {
  it.each(EXPECTED)('publish %s', (topic, allowed) => {
    expect(principals.filter((principal) => mayPublish(principal, topic, prefix)).sort()).toEqual(
      [...allowed].sort(),
    );
  });

  it('every role may subscribe inside the prefix, shared or not', () => {
    for (const principal of principals) {
      for (const filter of [
        `${prefix}/#`,
        `${prefix}/axes/+/state`,
        `$share/vision/${prefix}/camera/+/frame`,
      ]) {
        expect(maySubscribe(principal, filter, prefix)).toBe(true);
      }
    }
  });

  it('only admin may subscribe outside the prefix', () => {
    for (const filter of ['#', '$SYS/#', 'servo-edge/#', 'servo-edge/+/inspection', prefix]) {
      expect(principals.filter((principal) => maySubscribe(principal, filter, prefix))).toEqual(['admin']);
    }
  });
});

describe('README ACL table', () => {
  it('matches PUBLISH_RULES row for row, role for role', () => {
    const rows = tableRows(readmeSection('Roles and the MQTT ACL'));
    const columns: Principal[] = ['viewer', 'operator', 'service', 'admin', 'gateway'];
    const documented = rows.map((row) => ({
      topic: unquote(row[0] ?? ''),
      publish: columns.filter((_, i) => row[i + 1] === 'yes'),
    }));
    const declared = PUBLISH_RULES.map((rule) => ({
      topic: rule.topic,
      publish: columns.filter((column) => rule.publish.includes(column)),
    }));
    expect(documented).toEqual(declared);
  });
});

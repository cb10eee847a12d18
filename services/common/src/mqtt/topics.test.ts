// The topic tree: every topic under the prefix, names from other components as single levels.

import { describe, expect, it } from 'vitest';
import { sharedSubscription, topicLevel, topicTree } from './topics.js';

const tree = topicTree('servo-edge/line-1');

describe('topicTree', () => {
  it('puts every topic under the prefix', () => {
    expect([
      tree.gatewayStatus,
      tree.axisState('conveyor'),
      tree.linkState('ctrl-a'),
      tree.lineState,
      tree.lineCommand,
      tree.inspection,
      tree.recipe,
      tree.cameraTrigger('cam1'),
      tree.cameraFrame('cam1'),
      tree.cameraFrames,
      tree.visionStatus('vision-a'),
      tree.visionStatusAll,
    ]).toEqual([
      'servo-edge/line-1/gateway/status',
      'servo-edge/line-1/axes/conveyor/state',
      'servo-edge/line-1/links/ctrl-a/state',
      'servo-edge/line-1/line/state',
      'servo-edge/line-1/line/command',
      'servo-edge/line-1/inspection',
      'servo-edge/line-1/recipe',
      'servo-edge/line-1/camera/cam1/trigger',
      'servo-edge/line-1/camera/cam1/frame',
      'servo-edge/line-1/camera/+/frame',
      'servo-edge/line-1/vision/vision-a/status',
      'servo-edge/line-1/vision/+/status',
    ]);
  });

  it('percent-encodes characters that would split a level or act as a wildcard [MQTT-4.7.1-1]', () => {
    expect(topicLevel('a/b+c#d%e')).toBe('a%2Fb%2Bc%23d%25e');
    expect(tree.axisState('x/#')).toBe('servo-edge/line-1/axes/x%2F%23/state');
  });

  it('finds the camera of a frame topic, and nothing in other topics', () => {
    expect(tree.cameraOf(tree.cameraFrame('cam-2'))).toBe('cam-2');
    expect(tree.cameraOf(tree.cameraTrigger('cam-2'))).toBeUndefined();
    expect(tree.cameraOf('servo-edge/line-1/camera//frame')).toBeUndefined();
    expect(tree.cameraOf('servo-edge/line-1/camera/a/b/frame')).toBeUndefined();
    expect(tree.cameraOf('other/camera/cam-1/frame')).toBeUndefined();
  });

  it('finds the station of a check topic, and nothing in other topics', () => {
    expect(tree.stationCheck('filler')).toBe('servo-edge/line-1/stations/filler/check');
    expect(tree.stationOf(tree.stationCheck('filler'))).toBe('filler');
    expect(tree.stationOf(tree.stationChecks)).toBe('+');
    expect(tree.stationOf('servo-edge/line-1/stations//check')).toBeUndefined();
    expect(tree.stationOf('servo-edge/line-1/stations/a/b/check')).toBeUndefined();
    expect(tree.stationOf(tree.cameraTrigger('filler'))).toBeUndefined();
  });

  it('builds a shared subscription [MQTT-4.8.2]', () => {
    expect(sharedSubscription('vision', tree.cameraFrames)).toBe(
      '$share/vision/servo-edge/line-1/camera/+/frame',
    );
  });
});

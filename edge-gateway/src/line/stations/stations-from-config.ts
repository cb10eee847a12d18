// The line config's station sections, made into stations in belt order: each needs its section
// (`line.filler`, ...) and its axis (`line.axes.filler`); the load-time checks (station-checks.ts)
// refuse a config with one and not the other.

import type { LineConfig } from '../../config/types.js';
import { createFiller } from './filler.js';
import { createInfeed } from './infeed.js';
import { createLabeler } from './labeler.js';
import { createSealer } from './sealer.js';
import type { Station } from './station.js';

export function stationsFromConfig(line: LineConfig): Station[] {
  const stations: Station[] = [];
  const { axes } = line;
  if (line.infeed && axes.infeed) stations.push(createInfeed(axes.infeed, line.infeed));
  if (line.filler && axes.filler) stations.push(createFiller(axes.filler, line.filler));
  if (line.sealer && axes.sealer) stations.push(createSealer(axes.sealer, line.sealer));
  if (line.labeler && axes.labeler) stations.push(createLabeler(axes.labeler, line.labeler));
  return stations.sort((a, b) => a.positionMm - b.positionMm);
}

// Load-time checks of the line's stations, for the config loader: a station's section and its axis go
// together, the infeed is there when another station is (it places the products they serve), and every
// station acts upstream of the camera (the camera must see what the labeler did, and a product's station
// checks must be in before its verdict).

import type { PathSegment, RawProblem } from '@servo-edge/common/config';
import type { GatewayConfigDocument } from '../../config/schema.js';
import { STATION_NAMES } from './station.js';

export function checkStationSection(document: GatewayConfigDocument, schemaOk: boolean): RawProblem[] {
  const line = (document as Partial<GatewayConfigDocument>).line;
  if (!schemaOk || line === undefined) return [];
  const problems: RawProblem[] = [];
  const report = (code: RawProblem['code'], segments: PathSegment[], message: string, hint?: string) =>
    problems.push({ code, segments, message, ...(hint === undefined ? {} : { hint }) });
  const configured = STATION_NAMES.filter((name) => line[name] !== undefined);
  for (const name of STATION_NAMES) {
    const section = line[name];
    const axis = line.axes[name];
    if (section !== undefined && axis === undefined) {
      report('CONFIG_MISSING_KEY', ['line', 'axes', name], `line.${name} needs line.axes.${name}`);
    }
    if (section === undefined && axis !== undefined && name !== 'filler' && name !== 'sealer') {
      report('CONFIG_MISSING_KEY', ['line', name], `line.axes.${name} needs a line.${name} section`);
    }
    if (section !== undefined && 'positionMm' in section && section.positionMm >= line.stations.cameraMm) {
      report(
        'CONFIG_CONFLICT',
        ['line', name, 'positionMm'],
        `line.${name}.positionMm (${section.positionMm}) must be upstream of line.stations.cameraMm (${line.stations.cameraMm})`,
      );
    }
  }
  if (configured.length > 0 && line.infeed === undefined) {
    report(
      'CONFIG_MISSING_KEY',
      ['line', 'infeed'],
      `line.${configured[0]} needs line.infeed: it places the products the stations serve`,
    );
  }
  const sealer = line.sealer;
  if (sealer !== undefined && sealer.closedPosition === sealer.openPosition) {
    report(
      'CONFIG_CONFLICT',
      ['line', 'sealer', 'closedPosition'],
      'the sealer would not move: closedPosition is openPosition',
    );
  }
  return problems;
}

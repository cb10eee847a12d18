// The cross-field checks of the `motion` section: the motion API's own (one function, declared in
// @servo-edge/motion-api), at paths under `motion.`, and the line's axis roles (if there is a line) against
// `motion.axes`.

import { didYouMean, nearest, type RawProblem } from '@servo-edge/common/config';
import { checkMotionConfig, type MotionConfig } from '@servo-edge/motion-api';
import type { GatewayConfigDocument } from './schema.js';

/** For the common loader's `check`: with `schemaOk` false, keys the schema refused are absent. */
export function checkMotionSection(document: GatewayConfigDocument, schemaOk: boolean): RawProblem[] {
  const motion = document.motion as GatewayConfigDocument['motion'] | undefined;
  if (motion === undefined) return [];
  // The section has no `http` or `auth` (the schema refuses them); checkMotionConfig skips the checks
  // of those two sections when they are absent, so only the motion sections' own problems come back.
  const problems: RawProblem[] = checkMotionConfig(motion as MotionConfig, schemaOk).map((problem) => ({
    ...problem,
    segments: ['motion', ...problem.segments],
  }));
  // Only on a clean document: a refused axis entry must not make every role's axis unknown.
  if (schemaOk && document.line !== undefined) problems.push(...undeclaredLineAxes(document.line, document));
  return problems;
}

/** `line.axes.<role>` values that are not an `axes[].name` of the motion section. */
function undeclaredLineAxes(
  line: NonNullable<GatewayConfigDocument['line']>,
  document: GatewayConfigDocument,
): RawProblem[] {
  const declared = document.motion.axes.map((axis) => axis.name);
  const problems: RawProblem[] = [];
  for (const [role, name] of Object.entries(line.axes)) {
    if (name === undefined || declared.includes(name)) continue;
    const suggestions = nearest(name, declared);
    const hint = didYouMean(suggestions) ?? `declared axes: ${declared.join(', ')}`;
    problems.push({
      code: 'CONFIG_UNKNOWN_REFERENCE',
      segments: ['line', 'axes', role],
      message: `line.axes.${role} is \`${name}\`, which motion.axes does not declare`,
      hint,
      ...(suggestions.length > 0 ? { suggestions } : {}),
    });
  }
  return problems;
}

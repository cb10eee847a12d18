// Checks the opaque `motion` section with the motion API's own loader; the gateway owns `http` and `auth`.

import { parseMotionConfig } from '@servo-edge/motion-api';
import type { MotionSectionProblem, MotionSectionValidator } from './load.js';

/**
 * The gateway serves the motion routes on its own HTTP server with its own keys, so `motion.http`
 * and `motion.auth` are refused here. The rest (controllers, axes, reconnect, stream, moves,
 * metrics, logLevel) is validated by `parseMotionConfig`, with neutral stand-ins for the two
 * sections it requires but does not get from this file.
 */
export const validateMotionSection: MotionSectionValidator = (section) => {
  const problems: MotionSectionProblem[] = [];
  for (const owned of ['http', 'auth'] as const) {
    if (Object.hasOwn(section, owned)) {
      problems.push({
        path: owned,
        code: 'GATEWAY_OWNED',
        message: `motion.${owned} is set at the top level of the gateway config (\`${owned}\`)`,
      });
    }
  }
  const { http: _http, auth: _auth, ...own } = section;
  try {
    parseMotionConfig({ ...own, http: { host: '127.0.0.1', port: 0 }, auth: { disabled: true } });
  } catch (error) {
    const issues = (error as { issues?: unknown }).issues;
    const code = String((error as { code?: unknown }).code ?? 'CONFIG_INVALID');
    if (!Array.isArray(issues)) throw error;
    for (const issue of issues as { path: string; message: string }[]) {
      problems.push({ path: fromPointer(issue.path), code, message: issue.message });
    }
  }
  return problems;
};

/** JSON pointer `/axes/0/name` -> `axes[0].name`. */
function fromPointer(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}

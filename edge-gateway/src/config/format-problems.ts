// Config problems as text for a terminal: one line each, `file:line:col path: message (hint) [CODE]`.

import type { ConfigProblem } from '../errors.js';

export function formatProblems(file: string, problems: readonly ConfigProblem[]): string {
  return problems
    .map((problem) => {
      const where = problem.line === undefined ? file : `${file}:${problem.line}:${problem.column ?? 1}`;
      const hint = problem.hint === undefined ? '' : ` (${problem.hint})`;
      return `${where}  ${problem.path}: ${problem.message}${hint} [${problem.code}]`;
    })
    .join('\n');
}

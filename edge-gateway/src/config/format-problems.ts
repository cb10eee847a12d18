// Config problems as text for a terminal: one line each, `file:line:col path: message (hint) [CODE]`.
// Not common's formatProblem: `file:line:col` first is the form editors and terminals jump to.

import type { ConfigProblem } from '@servo-edge/common/config';

/** One line per problem. */
export function formatProblems(file: string, problems: readonly ConfigProblem[]): string[] {
  return problems.map((problem) => {
    const where = problem.line === undefined ? file : `${file}:${problem.line}:${problem.column ?? 1}`;
    const hint = problem.hint === undefined ? '' : ` (${problem.hint})`;
    // Most messages already name their path; say it once.
    const what = problem.message.includes(problem.path)
      ? problem.message
      : `${problem.path}: ${problem.message}`;
    return `${where}  ${what}${hint} [${problem.code}]`;
  });
}

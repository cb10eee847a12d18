// Reads edge-gateway/README.md and pulls out the tables the sync tests compare with the code.

import { readFileSync } from 'node:fs';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The text of a `##`/`###` section, up to the next heading of any level. */
export function readmeSection(title: string): string {
  const start = readme.search(
    new RegExp(`^#{2,3} ${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`, 'm'),
  );
  if (start === -1) return '';
  const rest = readme.slice(start).split('\n').slice(1).join('\n');
  const end = rest.search(/^#{2,3} /m);
  return end === -1 ? rest : rest.slice(0, end);
}

/** Table rows of a section as cell arrays, header and separator rows left out. */
export function tableRows(section: string): string[][] {
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  return rows.filter((row) => !row.every((cell) => /^-+$/.test(cell))).slice(1);
}

/** `foo` -> foo */
export const unquote = (cell: string) => cell.replace(/^`|`.*$|`$/g, '').trim();

// Reads the project's main README.md and pulls out what a reader would copy from a section: its fenced
// code blocks (also those indented inside a numbered list), and the shell commands in them. The test of
// "Your first servo in 15 minutes" runs exactly these, so the README cannot drift from what works.

import { readFileSync } from 'node:fs';

const README_URL = new URL('../../../README.md', import.meta.url);

export interface FencedBlock {
  /** The info string after the opening fence (`yaml`, `sh`), '' when there is none. */
  lang: string;
  /** The block's lines, with the indentation of its fence removed. */
  body: string;
}

/** The main README's text. */
export function mainReadme(): string {
  return readFileSync(README_URL, 'utf8');
}

/** The text under `heading` (e.g. `### Pololu Maestro`) up to the next heading of the same or a higher level. */
export function section(markdown: string, heading: string): string {
  const level = heading.match(/^#+/)?.[0].length ?? 0;
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start === -1) throw new Error(`README: no heading "${heading}"`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => {
    const hashes = line.match(/^(#+) /)?.[1];
    return hashes !== undefined && hashes.length <= level;
  });
  return (end === -1 ? rest : rest.slice(0, end)).join('\n');
}

/** Every fenced code block of `text`, in order. */
export function fencedBlocks(text: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i]!.match(/^(\s*)```(\S*)\s*$/);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(indent));
    blocks.push({ lang: open[2]!, body: body.join('\n') });
  }
  return blocks;
}

/** The commands of the `sh` blocks, one per line (a trailing `\` joins the next line). */
export function shellCommands(text: string): string[] {
  return fencedBlocks(text)
    .filter((block) => block.lang === 'sh')
    .flatMap((block) => block.body.replace(/\\\n\s*/g, '').split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The one command that starts with `program` (after an optional `npx`): its arguments, split on blanks. */
export function argumentsOf(commands: readonly string[], program: string): string[] {
  const found = commands.filter((c) => new RegExp(`^(npx )?${program}( |$)`).test(c));
  if (found.length !== 1) throw new Error(`README: ${found.length} commands run ${program}, expected 1`);
  return found[0]!
    .replace(/^(npx )?\S+\s*/, '')
    .split(/\s+/)
    .filter((arg) => arg !== '');
}

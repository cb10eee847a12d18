// zbarimg (Debian zbar-tools) as the reference reader beside the vision bench: find it, run it in batches, parse its XML.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Only the symbologies on our labels, so zbar does not spend time on its other decoders. */
const ZBAR_ARGS = ['-q', '--xml', '-Sdisable', '-Sean13.enable', '-Scode128.enable'];

export interface ZbarSymbol {
  type: string;
  modifiers: string;
  orientation: string;
  data: string;
}

/** The zbarimg binary, or a sentence saying why the column is skipped. */
export async function findZbarimg(): Promise<{ path: string } | { skipReason: string }> {
  for (const candidate of ['/usr/bin/zbarimg', '/usr/local/bin/zbarimg']) {
    try {
      await run(candidate, ['--version']);
      return { path: candidate };
    } catch {
      // Not here; try the next place.
    }
  }
  return { skipReason: 'zbarimg not installed (apt-get install zbar-tools): zbar column skipped' };
}

/**
 * Reads every file with as few zbarimg processes as the argument list allows; returns the symbols
 * per file and the wall time spent, so throughput is per frame without per-process start-up.
 */
export async function zbarReadAll(
  zbarimg: string,
  files: readonly string[],
): Promise<{ bySource: Map<string, ZbarSymbol[]>; totalMs: number }> {
  const bySource = new Map<string, ZbarSymbol[]>();
  const startMs = performance.now();
  for (let i = 0; i < files.length; i += 100) {
    let stdout = '';
    try {
      ({ stdout } = await run(zbarimg, [...ZBAR_ARGS, ...files.slice(i, i + 100)], {
        maxBuffer: 64 * 1024 * 1024,
      }));
    } catch (error) {
      // zbarimg exits 4 when some image had no code; its XML is still on stdout.
      stdout = (error as { stdout?: string }).stdout ?? '';
    }
    for (const [source, symbols] of parseZbarXml(stdout)) bySource.set(source, symbols);
  }
  return { bySource, totalMs: performance.now() - startMs };
}

export function parseZbarXml(xml: string): Map<string, ZbarSymbol[]> {
  const bySource = new Map<string, ZbarSymbol[]>();
  for (const source of xml.matchAll(/<source href='([^']*)'>([\s\S]*?)<\/source>/g)) {
    const symbols: ZbarSymbol[] = [];
    for (const s of source[2]!.matchAll(/<symbol ([^>]*)><data><!\[CDATA\[([\s\S]*?)\]\]><\/data>/g)) {
      const attr = (name: string) => new RegExp(`${name}='([^']*)'`).exec(s[1]!)?.[1] ?? '';
      symbols.push({
        type: attr('type'),
        modifiers: attr('modifiers'),
        orientation: attr('orientation'),
        data: s[2]!,
      });
    }
    bySource.set(source[1]!, symbols);
  }
  return bySource;
}

/** A binary PGM as `encodePgm` writes it ("P5\n<w> <h>\n255\n", then the bytes): the pixels zbar read. */
export async function readPgm(
  file: string,
): Promise<{ widthPx: number; heightPx: number; data: Uint8Array }> {
  const bytes = await readFile(file);
  const header = /^P5\n(\d+) (\d+)\n255\n/.exec(bytes.subarray(0, 32).toString('latin1'));
  if (!header) throw new Error(`${file} is not a PGM the bench wrote`);
  const widthPx = Number(header[1]);
  const heightPx = Number(header[2]);
  const data = bytes.subarray(header[0].length, header[0].length + widthPx * heightPx);
  if (data.byteLength !== widthPx * heightPx) throw new Error(`${file} is short`);
  return { widthPx, heightPx, data };
}

// The page's files, read once at start-up and served from memory: a handful of small files, no build
// step, no CDN, and no file-system access (or path handling) per request.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticAsset {
  /** URL path: `/` for index.html, `/dashboard/<path>` for the rest. */
  urlPath: string;
  body: Buffer;
  contentType: string;
  etag: string;
}

/** Only these types are served; anything else in the folder is ignored. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
};

/**
 * The sources folder, from src/ and from dist/ alike: both sit two levels under the package, and the
 * page is not compiled, so it is read where it is written.
 */
export const PUBLIC_DIR = new URL('../../src/dashboard/public/', import.meta.url);

export async function loadAssets(dir: URL = PUBLIC_DIR): Promise<StaticAsset[]> {
  const root = fileURLToPath(dir);
  const assets: StaticAsset[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
        continue;
      }
      const contentType = CONTENT_TYPES[extname(entry.name)];
      if (!entry.isFile() || !contentType) continue;
      const body = await readFile(path);
      const rel = relative(root, path).split(sep).join('/');
      assets.push({
        urlPath: rel === 'index.html' ? '/' : `/dashboard/${rel}`,
        body,
        contentType,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      });
    }
  };
  await walk(root);
  return assets.sort((a, b) => a.urlPath.localeCompare(b.urlPath));
}

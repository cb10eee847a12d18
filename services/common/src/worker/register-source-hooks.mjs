// `node --conditions=source --import <this file> some.ts`: registers source-hooks.mjs (tests only).

import { register } from 'node:module';

register('./source-hooks.mjs', import.meta.url);

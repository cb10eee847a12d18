// `node --conditions=source --import <this file> some.ts`: registers ts-hooks.mjs (tests only).

import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);

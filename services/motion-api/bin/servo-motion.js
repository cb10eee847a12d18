#!/usr/bin/env node
// servo-motion as installed. Committed so that `npm ci` (which runs before the build and links only bins that
// exist) links it; the CLI itself is compiled to dist/ by `npm run build`.

await import('../dist/cli/servo-motion.js');

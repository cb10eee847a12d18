// @servo-edge/common: prefer the subpaths (`/clock`, `/log`, `/config`, `/errors`, `/worker`, `/testing`),
// so a process loads only what it uses (the gateway's memory budget counts every module).

export * from './clock/index.js';
export * from './errors/index.js';

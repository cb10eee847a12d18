// The base error class and registry helpers every package's errors.ts builds on.

export { CodedError, type CodedErrorOptions, type ErrorSpec, registryCodes } from './coded-error.js';

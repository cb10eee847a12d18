// One config approach for every package: TypeBox schemas, one walker, one problem shape and code set.

export { type ConfigKeyRow, configKeyRows } from './describe-schema.js';
export {
  type ConfigCheck,
  type ConfigCheckOptions,
  checkConfigText,
  checkConfigValue,
  loadConfigFile,
  parseConfigText,
  parseConfigValue,
  readConfigFile,
} from './load.js';
export {
  CONFIG_PROBLEM_CODES,
  ConfigError,
  type ConfigProblem,
  type ConfigProblemCode,
  formatPath,
  formatProblem,
  isConfigError,
  type PathSegment,
  parsePath,
  type RawProblem,
} from './problems.js';
export { didYouMean, editDistance, nearest } from './suggest.js';
export { isMapping, type PatternDoc, validateAgainstSchema } from './validate.js';

export * from './types';
export * from './errors';
export * from './capabilities';
export * from './request';
export {
  parseJsonPointer,
  formatJsonPointer,
  evaluateJmapPointer,
  JsonPointerError,
} from './json-pointer';
export { resolveResultReferences, isResultReference } from './result-reference';
export { jsonBytesWithin } from './json-size';
export { applyPatch, patchTouchedProperties } from './patch';
export * from './state';
export { isJmapId, isCreationReference, resolveCreationReference } from './id';
export { ArgumentReader, invalidArguments, type IdOptions } from './arguments';
export * from './standard-methods';
export { runSet, type SetHandlers, type SetResult, type SetRunOptions } from './set-runner';
export * from './sync-cursor';
export * from './set-errors';
export { findUnstorableText, unstorableTextProblem } from './storable-text';
export * from './standard-handlers';
export * from './method-specs';

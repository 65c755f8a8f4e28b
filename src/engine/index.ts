// Public surface of the pure engine.
export * from './types.js';
export * from './events.js';
export * from './commands.js';
export { emptyState, type State } from './state.js';
export { execute, executeRaw, rejectUnparsable, decide } from './engine.js';
export { evolve } from './evolve.js';
export { stateHash } from './hash.js';
export { encodeState, decodeState } from './snapshot.js';
export { encodeColumns, decodeColumns } from './snapshot-columns.js';
export { validateState } from './validate.js';
export { marketStatus, openLimits } from './risk/gate.js';
export * as formulas from './math.js';

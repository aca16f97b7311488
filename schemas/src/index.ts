export * from './time.js';
export * from './events.js';
export * from './canonical.js';
export * from './survey.js';
export * from './config.js';
export * from './dora.js';
export * from './csv.js';
export * from './roi.js';

export * from './common.js';
export * from './metrics.js';
export * from './roadmap.js';
export * from './surveys.js';
export * from './export.js';
export * from './health.js';
export * from './openapi.js';
export * from './operations.js';

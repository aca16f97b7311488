/**
 * Browser-safe part of @paved/surveys (definitions, answer checks, anonymity rule, scoring, themes).
 * Server code imports the subpaths: `@paved/surveys/results`, `/campaigns`, `/respond`, `/http`, ...
 */
export * from './answers.js';
export * from './disclosure.js';
export * from './definition.js';
export * from './score.js';
export * from './themes.js';

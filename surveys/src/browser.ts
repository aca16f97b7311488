/**
 * Browser-safe part of @paved/surveys (definitions, answer checks, anonymity rule, scoring, themes), for client components.
 */
export * from './answers.js';
export * from './disclosure.js';
export * from './definition.js';
export * from './score.js';
export * from './themes.js';
export { itemsOf, scaleLabels } from './items.js';

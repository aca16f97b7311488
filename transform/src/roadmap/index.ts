/** Friction roadmap, initiative effects and ROI figures (issue 8). */
export * from './assumptions.js';
export * from './friction.js';
export * from './initiatives.js';
export * from './measures.js';
export * from './roi.js';
export * from './scoring.js';
export * from './survey-source.js';

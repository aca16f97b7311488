/**
 * The public API of @paved/insights: what Paved concludes from metrics (@paved/transform) and survey results
 * (@paved/surveys): the friction roadmap, initiative effects, ROI, and the weekly digests (content, channels,
 * ledger, rendering, scheduler). Other packages import from here only (`pnpm lint`).
 */
export type { Channel } from './digest/channels.js';
export { surveySectionOf } from './digest/content.js';
export type { SurveySummaryHook } from './digest/content.js';
export { digestHealth, listDigests, readDigest } from './digest/ledger.js';
export type { ArchiveEntry } from './digest/ledger.js';
export { renderDigest } from './digest/render.js';
export { DigestAnswer, DigestRequest, runDigest } from './digest/request.js';
export { DigestScheduler } from './digest/scheduler.js';
export { developersOf, frictionRoadmap } from './roadmap/friction.js';
export type { MetricEvidence } from './roadmap/friction.js';
export { initiativeEffects } from './roadmap/initiatives.js';
export type { InitiativeEffect, KeyEffect } from './roadmap/initiatives.js';
export { roiSummary } from './roadmap/roi.js';
export type { Effect, Figure } from './roadmap/roi.js';
export { WEIGHTS } from './roadmap/scoring.js';
export { readSurvey, surveySource } from './roadmap/survey-source.js';
export type { SurveyGroup, SurveySource, SurveyView } from './roadmap/survey-source.js';

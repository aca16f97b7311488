import { surveySummaryForDigest } from '@paved/surveys';
import type { SurveySummaryHook } from '@paved/insights';

/**
 * The survey section of the weekly digests, for every process that sends them: the newest campaign
 * released by the end of the digest's week (`asOf`), with the anonymity rule applied in @paved/surveys.
 */
export const digestSurveySummary: SurveySummaryHook = (warehouse, config, scope, asOf) => surveySummaryForDigest(warehouse, config, scope, asOf);

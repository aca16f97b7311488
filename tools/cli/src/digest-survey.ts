import { surveySummaryForDigest } from '@paved/surveys/digest';
import type { SurveySummaryHook } from '@paved/transform/digest/content';

/**
 * The survey section of the weekly digests, for every process that sends them: the latest
 * campaign's participation and results from @paved/surveys, with the anonymity rule applied there.
 */
export const digestSurveySummary: SurveySummaryHook = (warehouse, config, scope) => surveySummaryForDigest(warehouse, config, scope);

import 'server-only';
import type { PavedConfig } from '@paved/schemas';
import { campaignResults, releasedCampaignId } from '@paved/surveys/results';
import { metricMappingOf, PICKUP_HOURS_BANDS, REWORK_RATE_BANDS } from '@paved/surveys/joined';
import type { SurveySource } from '@paved/transform/roadmap/survey-source';
import type { Warehouse } from '@paved/transform/warehouse/client';

/** The surveys package's results (anonymity applied there), wired into the roadmap and ROI libraries. */
export function surveySource(warehouse: Warehouse, config: PavedConfig): SurveySource {
  return {
    results: async (campaignId) => {
      const id = campaignId ?? (await releasedCampaignId(warehouse));
      return id ? campaignResults(warehouse, config, id, { by: 'team' }) : null;
    },
    metricMapping: metricMappingOf(config),
    bands: { pickupTime: PICKUP_HOURS_BANDS, reworkRate: REWORK_RATE_BANDS },
  };
}

import 'server-only';
import type { PavedConfig } from '@paved/schemas';
import { campaignResults, metricMappingOf, PICKUP_HOURS_BANDS, REWORK_RATE_BANDS, releasedCampaignId } from '@paved/surveys';
import type { SurveySource } from '@paved/insights';
import type { Warehouse } from '@paved/transform';

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

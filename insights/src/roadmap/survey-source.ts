import type { PavedConfig } from '@paved/schemas';
import {
  type CampaignSummary, campaignResults, type DriverScore, type GroupScore, metricMappingOf, type ParticipationRow, PICKUP_HOURS_BANDS,
  REWORK_RATE_BANDS, releasedCampaignId, type SurveyResults,
} from '@paved/surveys';
import type { Warehouse } from '@paved/warehouse';

/**
 * Survey results reach the roadmap and ROI through this port, typed by the surveys package's own
 * `SurveyResults` (this package sits above @paved/surveys). Results arrive with the anonymity rule
 * already applied; the roadmap checks again and never looks at raw responses. Tests pass a port of
 * their own; the dashboard uses `surveySource`.
 */
export interface SurveySource {
  /** Results broken down by team (surveys' `campaignResults(..., { by: 'team' })`); unset id: the newest closed campaign with responses (answers are released at close). */
  results(campaignId?: string): Promise<SurveyView | null>;
  /** Driver id → the measured metrics it speaks to (surveys' `metricMappingOf(config)`). */
  metricMapping: Readonly<Record<string, readonly string[]>>;
  /** Level bands for measures DORA has none for (surveys' PICKUP_HOURS_BANDS and REWORK_RATE_BANDS). */
  bands: { pickupTime: readonly [number, number, number]; reworkRate: readonly [number, number, number] };
}

/** One team's (or the organisation's) figures, as far as the roadmap reads them: a part of surveys' `GroupScore`. */
export type SurveyGroup = Pick<GroupScore, 'group' | 'respondents'> & {
  drivers: Pick<DriverScore, 'id' | 'label' | 'favourable' | 'answered' | 'change'>[];
  hoursLost: Pick<NonNullable<GroupScore['hoursLost']>, 'answered' | 'mean' | 'median'> | null;
  /** Organisation-wide only (surveys never lists free text under a group). */
  freeText: { id: string; themes: Pick<GroupScore['freeText'][number]['themes'][number], 'id' | 'label' | 'answers'>[] }[];
};

/** The part of surveys' `SurveyResults` the roadmap reads: every `SurveyResults` is one. */
export type SurveyView = Pick<SurveyResults, 'minGroupSize' | 'by' | 'released' | 'respondents' | 'hiddenGroups' | 'previous'> & {
  campaign: Pick<CampaignSummary, 'id' | 'title' | 'opensAt' | 'closesAt' | 'closedAt'>;
  org: SurveyGroup | null;
  groups: SurveyGroup[];
  /** The teams the campaign counts people of (its audience and every team that answered): ROI's developers are theirs. */
  participation?: { teams: Pick<ParticipationRow, 'team'>[] };
};

/** The surveys package's results (anonymity applied there), as the roadmap and ROI read them. */
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

/**
 * Reads one campaign through the port, keeping only groups at or above the threshold and not
 * listed as hidden (the surveys package already does this; a second check costs nothing).
 */
export async function readSurvey(source: SurveySource, campaignId: string | undefined, minGroupSize: number): Promise<SurveyView | null> {
  const view = await source.results(campaignId);
  if (!view) return null;
  if (view.by !== 'team') throw new Error(`survey results are broken down by ${view.by}; the roadmap reads them by team`);
  if (!view.released) return null;
  const k = Math.max(view.minGroupSize, minGroupSize, 3);
  return {
    ...view,
    minGroupSize: k,
    org: view.org && (view.respondents ?? 0) >= k ? view.org : null,
    groups: view.groups.filter((g) => g.respondents >= k && !view.hiddenGroups.includes(g.group)),
  };
}

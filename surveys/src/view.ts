/**
 * Everything the surveys page shows, in one call, built only from anonymity-checked results: the
 * campaign list (counts only), the results in the chosen breakdown, and the joined per-team view.
 */
import type { PavedConfig } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { type JoinedTeam, joinPerception, measuresByTeam, metricMappingOf } from './joined.js';
import { type CampaignStatus, campaignStatus, computeResults, type Dimension, defaultCampaignOf, loadResultsInput, metricWindowOf, type SurveyResults } from './results.js';
import { type Campaign, readCampaigns } from './store.js';

export interface SurveysView {
  campaigns: (Campaign & { status: CampaignStatus })[];
  results: SurveyResults | null;
  /** Perception beside measurement per shown team; null when the metrics could not be read. */
  joined: { teams: JoinedTeam[]; window: { from: string; to: string }; error: string | null } | null;
}

export async function surveysView(warehouse: Warehouse, config: PavedConfig, options: { campaign?: string; by?: Dimension; now?: Date } = {}): Promise<SurveysView> {
  const now = options.now ?? new Date();
  const campaigns = (await readCampaigns(warehouse)).map((c) => ({ ...c, status: campaignStatus(c, now) }));
  const id = options.campaign ?? defaultCampaignOf(campaigns, now)?.id;
  const input = id ? await loadResultsInput(warehouse, config, id, now) : null;
  if (!input) return { campaigns, results: null, joined: null };
  const by = options.by ?? 'team';
  const results = computeResults(input, by);
  const byTeam = by === 'team' ? results : computeResults(input, 'team');
  const window = metricWindowOf(input.campaign, now);
  let joined: SurveysView['joined'];
  try {
    const measures = await measuresByTeam(warehouse, window, config.metrics.benchmarkProfile);
    joined = { teams: joinPerception(byTeam, measures, metricMappingOf(config)), window, error: null };
  } catch (error) {
    joined = { teams: [], window, error: (error as Error).message.split('\n')[0] ?? 'metrics unavailable' };
  }
  return { campaigns, results, joined };
}

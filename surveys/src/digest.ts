/**
 * The survey section of the weekly digests (@paved/insights' `SurveySummaryHook`: the processes that
 * send digests pass this function in).
 * Everything comes from anonymity-checked results: a team digest only speaks about its own team
 * when that team may be shown.
 */
import type { PavedConfig } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { campaignResults, digestOf, releasedCampaignId, type SurveyResults } from './results.js';

export interface DigestSurveySummary {
  title: string;
  campaign: { id: string; title: string; status: string };
  respondents: number | null;
  participationRate: number | null;
  lines: string[];
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v * 100)} %`);
const signed = (v: number | null, unit: string) => (v === null ? '' : ` (${v > 0 ? '+' : ''}${v}${unit})`);

/** The organisation's or one team's survey lines for a digest, or null when there is no campaign with responses. */
export async function surveySummaryForDigest(warehouse: Warehouse, config: PavedConfig, scope: { team?: string } = {}, now = new Date()): Promise<DigestSurveySummary | null> {
  // Only a closed campaign's answers are released; a digest never shows an open one's.
  const id = await releasedCampaignId(warehouse, now);
  if (!id) return null;
  const results = await campaignResults(warehouse, config, id, { by: 'team', now });
  if (!results) return null;
  return scope.team ? teamSummary(results, scope.team) : orgSummary(results);
}

function head(results: SurveyResults): Pick<DigestSurveySummary, 'title' | 'campaign'> {
  return { title: `Developer survey: ${results.campaign.title}`, campaign: { id: results.campaign.id, title: results.campaign.title, status: results.campaign.status } };
}

export function orgSummary(results: SurveyResults): DigestSurveySummary {
  const digest = digestOf(results);
  return { ...head(results), respondents: digest.respondents, participationRate: digest.participationRate, lines: digest.lines.slice(1) };
}

export function teamSummary(results: SurveyResults, team: string): DigestSurveySummary {
  const group = results.groups.find((g) => g.group === team);
  if (!group) {
    return { ...head(results), respondents: null, participationRate: null, lines: [`Results for ${team} are not shown: each group needs at least ${results.minGroupSize} respondents, and groups are also withheld when their figures would let a smaller group be worked out. See the organisation digest.`] };
  }
  const participation = results.participation.teams.find((t) => t.team === team);
  const drivers = [...group.drivers].filter((d) => d.favourable !== null).sort((a, b) => a.favourable! - b.favourable!);
  const lines = [`${group.respondents} responses${participation?.rate !== null && participation?.rate !== undefined ? `, ${pct(participation.rate)} participation` : ''}.`];
  if (group.enps?.score !== null && group.enps?.score !== undefined) lines.push(`Platform eNPS ${group.enps.score}${signed(group.enps.change, ' vs previous')}.`);
  for (const d of drivers.slice(0, 2)) lines.push(`Least favourable: ${d.label} ${pct(d.favourable)}${signed(d.change, ' pp')}.`);
  const best = drivers.at(-1);
  if (best) lines.push(`Most favourable: ${best.label} ${pct(best.favourable)}.`);
  return { ...head(results), respondents: group.respondents, participationRate: participation?.rate ?? null, lines };
}

import { z } from 'zod';

/**
 * Survey results reach the roadmap and ROI through this port: the surveys package depends on this
 * one, so its functions are injected by the process (the dashboard wires `campaignResults` from
 * `@paved/surveys/results`), as the digest does. Results arrive with the anonymity rule already
 * applied; the roadmap checks again and never looks at raw responses.
 */
export interface SurveySource {
  /** Results broken down by team (surveys' `campaignResults(..., { by: 'team' })`); unset id: the newest closed campaign with responses (answers are released at close). */
  results(campaignId?: string): Promise<unknown>;
  /** Driver id → the measured metrics it speaks to (surveys' `metricMappingOf(config)`). */
  metricMapping: Readonly<Record<string, readonly string[]>>;
  /** Level bands for measures DORA has none for (surveys' PICKUP_HOURS_BANDS and REWORK_RATE_BANDS). */
  bands: { pickupTime: readonly [number, number, number]; reworkRate: readonly [number, number, number] };
}

const nullableNum = z.number().nullable();
const Driver = z.object({ id: z.string(), label: z.string(), favourable: nullableNum, answered: z.number(), change: nullableNum.optional().default(null) });
const Theme = z.object({ id: z.string(), label: z.string(), answers: z.array(z.string()) });
const Group = z.object({
  group: z.string(),
  respondents: z.number(),
  drivers: z.array(Driver),
  hoursLost: z.object({ answered: z.number(), mean: nullableNum, median: nullableNum }).nullable(),
  freeText: z.array(z.object({ id: z.string(), themes: z.array(Theme) })).default([]),
});
export type SurveyGroup = z.infer<typeof Group>;

/** The part of surveys' `SurveyResults` the roadmap reads (unknown keys are dropped). */
export const SurveyView = z.object({
  campaign: z.object({ id: z.string(), title: z.string(), opensAt: z.string(), closesAt: z.string(), closedAt: z.string().nullable().default(null) }),
  minGroupSize: z.number().int().min(3),
  by: z.literal('team'),
  /** Answers are released only once a campaign has closed; an unreleased one has no figures. */
  released: z.boolean().default(true),
  respondents: nullableNum,
  org: Group.nullable(),
  groups: z.array(Group),
  hiddenGroups: z.array(z.string()),
  previous: z.object({ id: z.string(), title: z.string() }).nullable(),
  /** The teams the campaign counts people of (its audience and every team that answered): ROI's developers are theirs. */
  participation: z.object({ teams: z.array(z.object({ team: z.string() })) }).optional(),
});
export type SurveyView = z.infer<typeof SurveyView>;

/**
 * Reads one campaign through the port, keeping only groups at or above the threshold and not
 * listed as hidden (the surveys package already does this; a second check costs nothing).
 */
export async function readSurvey(source: SurveySource, campaignId: string | undefined, minGroupSize: number): Promise<SurveyView | null> {
  const value = await source.results(campaignId);
  if (value === null || value === undefined) return null;
  const parsed = SurveyView.safeParse(value);
  if (!parsed.success) throw new Error(`survey results have an unexpected shape: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const view = parsed.data;
  if (!view.released) return null;
  const k = Math.max(view.minGroupSize, minGroupSize, 3);
  return {
    ...view,
    minGroupSize: k,
    org: view.org && (view.respondents ?? 0) >= k ? view.org : null,
    groups: view.groups.filter((g) => g.respondents >= k && !view.hiddenGroups.includes(g.group)),
  };
}

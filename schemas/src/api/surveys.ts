import { z } from 'zod';

/* Contracts of GET /api/v1/surveys/results and GET /api/v1/surveys/campaigns (anonymity applied: docs/surveys-anonymity.md). */

const count = z.number().int().nonnegative();
const nullableCount = count.nullable();

export const SurveyResultsQuery = z.object({
  campaign: z.string().min(1).optional().meta({ description: 'Campaign id; default: the newest campaign with results.', examples: ['dx-2026-q3'] }),
  by: z.enum(['team', 'tenure', 'role'], { error: 'by must be team, tenure or role' }).default('team').meta({ description: 'How groups are formed.' }),
  format: z.enum(['json', 'csv'], { error: 'format must be json or csv' }).default('json').meta({ description: '`csv`: the same figures as a CSV download.' }),
});
export type SurveyResultsQuery = z.infer<typeof SurveyResultsQuery>;

export const CampaignStatus = z.enum(['scheduled', 'open', 'closed']);

const Distribution = {
  counts: z.array(count).length(5).meta({ description: 'Answers per scored value 1..5 (after reversing).' }),
  answered: count,
  skipped: count,
  favourable: z.number().nullable().meta({ description: 'Share of 4s and 5s (0–1), null when nobody answered.' }),
  mean100: z.number().nullable().meta({ description: 'Mean on a 0–100 scale, null when nobody answered.' }),
  change: z.number().nullable().meta({ description: 'Change of `favourable` versus the previous campaign, in percentage points.' }),
};

export const ItemScore = z.object({ id: z.string(), text: z.string(), scale: z.enum(['agreement', 'frequency']), reversed: z.boolean(), ...Distribution })
  .meta({ id: 'SurveyItemScore', description: 'One survey item\'s answers.' });
export const DriverScore = z.object({ id: z.string(), label: z.string(), items: z.array(ItemScore), ...Distribution })
  .meta({ id: 'SurveyDriverScore', description: 'A driver (group of items) with its answers.' });

export const GroupScore = z.object({
  group: z.string(),
  respondents: count,
  drivers: z.array(DriverScore),
  enps: z.object({
    id: z.string(), text: z.string(), counts: z.array(count).meta({ description: 'Answers per value 0..10.' }), answered: count, skipped: count,
    promoters: count, passives: count, detractors: count, score: z.number().nullable(), change: z.number().nullable(),
  }).nullable(),
  hoursLost: z.object({ id: z.string(), text: z.string(), answered: count, skipped: count, mean: z.number().nullable(), median: z.number().nullable() }).nullable(),
  freeText: z.array(z.object({
    id: z.string(), text: z.string(), answered: count,
    themes: z.array(z.object({ id: z.string(), label: z.string(), keywords: z.array(z.string()), answers: z.array(z.string()) })),
  })).meta({ description: 'Free-text themes: organisation-wide only.' }),
}).meta({ id: 'SurveyGroupScore', description: 'The figures of one group large enough to be shown.' });

export const CampaignSummary = z.object({
  id: z.string(), title: z.string(), surveyId: z.string(), surveyVersion: z.number().int(),
  opensAt: z.string(), closesAt: z.string(), closedAt: z.string().nullable(),
  status: CampaignStatus,
  origin: z.enum(['managed', 'external']).meta({ description: '`managed`: created in Paved; `external`: known only from its responses (imported, or the demo).' }),
  audience: z.array(z.string()),
});

export const SurveyResults = z.object({
  campaign: CampaignSummary,
  definition: z.object({ id: z.string(), version: z.number().int(), title: z.string() }),
  minGroupSize: count.meta({ description: 'The group-size threshold this campaign is published with: the surveys.minGroupSize in force when its answers were first released (kept for good, so two reads at two thresholds cannot be subtracted); before release, the current setting.' }),
  by: z.enum(['team', 'tenure', 'role']),
  released: z.boolean().meta({ description: 'Whether answers are released: only once the campaign has closed.' }),
  respondents: nullableCount.meta({ description: 'Respondents in the whole campaign; null when even the total is below the threshold.' }),
  org: GroupScore.nullable().meta({ description: 'Organisation-wide figures (with free text); null before release or below the threshold.' }),
  groups: z.array(GroupScore).meta({ description: 'Only groups that may be shown.' }),
  hiddenGroups: z.array(z.string()).meta({ description: 'Groups with respondents whose figures are withheld.' }),
  complementaryGroups: z.array(z.string()).meta({ description: 'Of `hiddenGroups`, those withheld so a smaller group cannot be worked out.' }),
  participation: z.object({
    teams: z.array(z.object({
      team: z.string(),
      denominator: nullableCount.meta({ description: 'Invited people, or developers in the team.' }),
      source: z.enum(['invites', 'override', 'catalog', 'estimate']).nullable(),
      responses: nullableCount.meta({ description: 'Null for every team that is not shown, whether or not it answered (so a small team cannot be seen to have taken part).' }),
      rate: z.number().nullable(),
    })),
    responses: nullableCount, denominator: nullableCount, rate: z.number().nullable(),
  }),
  previous: z.object({ id: z.string(), title: z.string() }).nullable(),
  notes: z.array(z.string()),
}).meta({ id: 'SurveyResults', description: 'A campaign\'s results with anonymity applied: groups under surveys.minGroupSize are never included.' });
export type SurveyResults = z.infer<typeof SurveyResults>;

export const SurveyCampaign = z.object({
  id: z.string(), surveyId: z.string(), surveyVersion: z.number().int(), title: z.string(), audience: z.array(z.string()),
  opensAt: z.string(), closesAt: z.string(), reminders: z.array(z.string()), closedAt: z.string().nullable(), createdAt: z.string(),
  origin: z.enum(['managed', 'external']),
  status: CampaignStatus,
  responses: nullableCount.meta({ description: 'Responses so far; null while fewer than surveys.minGroupSize (withheld like any figure of a group that small).' }),
}).meta({ id: 'SurveyCampaign', description: 'A survey campaign with its status and response count.' });

export const SurveyCampaigns = z.object({ campaigns: z.array(SurveyCampaign).meta({ description: 'Newest first.' }) })
  .meta({ id: 'SurveyCampaigns', description: 'Every campaign: created in Paved, or known only from its responses.' });
export type SurveyCampaigns = z.infer<typeof SurveyCampaigns>;

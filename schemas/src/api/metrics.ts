import { z } from 'zod';
import { calendarDateProblem } from '../time.js';
import { DoraResult } from '../dora.js';
import { dayParam, FROM_DESCRIPTION, fromParam, serviceParam, teamParam, TO_DESCRIPTION, toParam, WINDOW_ORDER, windowInOrder } from './common.js';

/*
 * Contracts of the metric routes under /api/v1/metrics: each route parses its query with the
 * `…Query` schema here and answers a body of the `…Result` schema; the OpenAPI document
 * (./openapi.ts) is generated from the same schemas.
 */

const count = z.number().int().nonnegative();
const hours = (description: string) => z.number().nullable().meta({ description });
const share = (description: string) => z.number().min(0).max(1).nullable().meta({ description });
/** A warehouse timestamp as text, UTC (`2026-11-02 14:05:09.000`). */
const timestamp = (description: string) => z.string().meta({ description, examples: ['2026-11-02 14:05:09.000'] });

// ---------- DORA ----------

const profileParam = () => z.enum(['2023', '2024']).meta({ description: 'Benchmark the levels are read from; default `metrics.benchmarkProfile` of paved.config.yaml.' });
const GOLDEN_PATH = '`true`: golden-path services only; `false`: the others only; unset: all.';
const goldenPathParam = () => z.enum(['true', 'false']).transform((v) => v === 'true').or(z.boolean()).meta({ description: GOLDEN_PATH });

/** The window and scope of `paved metrics dora` and `GET /api/v1/metrics/dora` once defaults are applied. */
export const DoraQuery = z.object({
  from: fromParam(),
  to: toParam(),
  team: teamParam().optional(),
  service: serviceParam().optional(),
  profile: profileParam().optional(),
  goldenPath: goldenPathParam().optional(),
}).refine(windowInOrder, WINDOW_ORDER);
export type DoraQuery = z.infer<typeof DoraQuery>;

const DAY_MS = 86_400_000;

/** The default window: the last 90 days, today included ([today − 89 days, tomorrow)). */
export function lastNinetyDays(now = new Date()): { from: string; to: string } {
  const tomorrow = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS;
  return { from: new Date(tomorrow - 90 * DAY_MS).toISOString().slice(0, 10), to: new Date(tomorrow).toISOString().slice(0, 10) };
}

/** `day` moved by `days`, or `day` unchanged when it is not a real date (the query's check then says why). */
function shiftDay(day: string, days: number): string {
  if (calendarDateProblem(day)) return day;
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** --from and --to as given; a missing one keeps the window 90 days long; neither: the last 90 days. */
export function doraWindow(options: { from?: string; to?: string }, now = new Date()): { from: string; to: string } {
  if (options.from && options.to) return { from: options.from, to: options.to };
  if (options.from) return { from: options.from, to: shiftDay(options.from, 90) };
  if (options.to) return { from: shiftDay(options.to, -90), to: options.to };
  return lastNinetyDays(now);
}

/** The query of `GET /api/v1/metrics/dora`: `from` and `to` may be left out (the window then stays 90 days long). */
export const DoraApiQuery = z.object({
  from: dayParam('from', `${FROM_DESCRIPTION} Default: 90 days before \`to\`, or 89 days before today.`, '2026-09-01').optional(),
  to: dayParam('to', `${TO_DESCRIPTION} Default: 90 days after \`from\`, or tomorrow.`, '2026-12-01').optional(),
  team: teamParam().optional(),
  service: serviceParam().optional(),
  profile: profileParam().optional(),
  // Turned into a boolean by DoraQuery, which this query pipes into.
  goldenPath: z.enum(['true', 'false']).or(z.boolean()).meta({ description: GOLDEN_PATH }).optional(),
}).transform((q) => ({ ...q, ...doraWindow(q) })).pipe(DoraQuery);

// ---------- drill-down ----------

export const ExplainMetric = z.enum(['deploymentFrequency', 'leadTime', 'changeFailureRate', 'recovery', 'reworkRate']);
export type ExplainMetric = z.infer<typeof ExplainMetric>;

export const ExplainQuery = z.object({
  metric: z.enum(ExplainMetric.options, { error: `metric must be one of ${ExplainMetric.options.join(', ')}` })
    .meta({ description: 'Which number to explain: its rows are the deployments (failed ones for `changeFailureRate` and `recovery`, rework for `reworkRate`), commits, failure links and incidents behind it.' }),
  from: fromParam(),
  to: toParam(),
  team: teamParam().optional(),
  service: serviceParam().optional(),
  deployment: z.string().min(1).optional().meta({ description: 'Only this deployment (its id), with its change set, failure links and incidents.', examples: ['github:acme/checkout:1916803082'] }),
  limit: z.coerce.number({ error: 'limit must be a whole number' }).int('limit must be a whole number').min(1, 'limit must be at least 1').max(5_000, 'limit must be at most 5000').optional()
    .meta({ description: 'At most this many deployments (default 200).', examples: [50] }),
}).strict().refine(windowInOrder, WINDOW_ORDER);
export type ExplainQuery = z.infer<typeof ExplainQuery>;

export const DeploymentRow = z.object({
  id: z.string(), service: z.string(), team: z.string(), repo: z.string(), sha: z.string().nullable(),
  deployed_at: timestamp('When it reached production (UTC).'),
  change_set_method: z.string().meta({ description: 'How its change set was found (`compare`, `previous_sha`, …).' }),
  commits: count, failed: z.boolean(), failure_methods: z.array(z.string()),
  recovery_hours: hours('Hours from the deployment to its recovery; null when not failed or not recovered.'),
  rework: z.boolean(), rework_reasons: z.array(z.string()), golden_path: z.boolean(),
  creator_login: z.string().nullable(), workflow_name: z.string().nullable(), url: z.string().nullable(),
}).meta({ id: 'DeploymentRow', description: 'A production deployment as the metrics count it.' });
export type DeploymentRow = z.infer<typeof DeploymentRow>;

export const ChangeRow = z.object({
  deployment_id: z.string(), sha: z.string(),
  via: z.string().meta({ description: 'How the commit was found in the deployment\'s change set.' }),
  authored_at: z.string().nullable(),
  lead_hours: hours('Deployment time minus authored time, in hours.'),
  is_revert: z.boolean(), pr_number: z.number().nullable(), fix_pr: z.boolean(),
  message: z.string().meta({ description: 'The first 200 characters of the commit message.' }),
  author: z.string().nullable(),
}).meta({ id: 'ChangeRow', description: 'A commit of a deployment\'s change set.' });

export const FailureLinkRow = z.object({
  deployment_id: z.string(),
  method: z.string().meta({ description: 'How the failure was linked (`named`, `inferred_time`, `rollback`, `override`, …).' }),
  incident_id: z.string().nullable(), other_deployment_id: z.string().nullable(),
  evidence: z.string().meta({ description: 'Why, in words.' }),
}).meta({ id: 'FailureLinkRow', description: 'Why a deployment counts as failed.' });

export const IncidentRow = z.object({
  id: z.string(), source: z.string(), service: z.string(), team: z.string(), severity: z.string(), title: z.string(), status: z.string(),
  opened_at: timestamp('When the incident was opened (UTC).'), resolved_at: z.string().nullable(), url: z.string().nullable(),
  restore_hours: hours('Resolved minus opened, in hours; null while open.'),
}).meta({ id: 'IncidentRow', description: 'An incident.' });
export type IncidentRow = z.infer<typeof IncidentRow>;

export const ExplainResult = z.object({
  from: z.string(), to: z.string(),
  scope: z.object({ team: z.string().nullable(), service: z.string().nullable(), deployment: z.string().nullable() }),
  metric: ExplainMetric,
  deployments: z.array(DeploymentRow).meta({ description: 'Newest first: for `changeFailureRate` and `recovery` the failed deployments, for `reworkRate` the rework ones, for `leadTime` those that shipped commits (a redeploy without commits adds no lead time), otherwise every production deployment of the window; with `deployment`, that one.' }),
  changes: z.array(ChangeRow).meta({ description: 'For `leadTime`, `reworkRate` or one deployment: the commits of the deployments (at most 2000).' }),
  failureLinks: z.array(FailureLinkRow),
  incidents: z.array(IncidentRow),
}).meta({ id: 'ExplainResult', description: 'The rows behind a DORA number.' });
export type ExplainResult = z.infer<typeof ExplainResult>;

// ---------- flow ----------

export const FlowQuery = z.object({ from: fromParam(), to: toParam(), team: teamParam().optional() }).refine(windowInOrder, WINDOW_ORDER);
export type FlowQuery = z.infer<typeof FlowQuery>;

export const TeamFlow = z.object({
  team: z.string().meta({ description: 'The team, or `all` for the organisation.' }),
  prs: count,
  coding_p50: hours('Median hours from first commit to opening the PR.'),
  pickup_p50: hours('Median hours from opening to the first review.'),
  review_p50: hours('Median hours from the first review to merge.'),
  deploy_p50: hours('Median hours from merge to production.'),
  cycle_p50: hours('Median hours from first commit (or opening) to production.'),
}).meta({ id: 'TeamFlow', description: 'PR cycle time in four stages: medians in hours over PRs merged in the window (bot-authored PRs excluded).' });

export const SlowPr = z.object({
  repo: z.string(), number: z.number().int(), title: z.string(), team: z.string(), author_login: z.string().nullable(), merged_at: timestamp('When the PR was merged (UTC).'),
  coding_hours: z.number().nullable(), pickup_hours: z.number().nullable(), review_hours: z.number().nullable(), deploy_hours: z.number().nullable(), cycle_hours: z.number().nullable(),
  deployment_id: z.string().nullable(),
}).meta({ id: 'SlowPr', description: 'A PR among the slowest of the window, with its stages in hours.' });

export const FlowResult = z.object({
  from: z.string(), to: z.string(),
  scope: z.object({ team: z.string().nullable() }),
  overall: TeamFlow,
  teams: z.array(TeamFlow),
  slowest: z.array(SlowPr).meta({ description: 'The 25 slowest PRs.' }),
}).meta({ id: 'FlowResult', description: 'PR cycle time in four stages, per team, with the slowest PRs.' });
export type FlowResult = z.infer<typeof FlowResult>;

// ---------- adoption ----------

export const AdoptionQuery = z.object({ from: fromParam(), to: toParam(), team: teamParam().optional() }).refine(windowInOrder, WINDOW_ORDER);
export type AdoptionQuery = z.infer<typeof AdoptionQuery>;

export const AdoptionResult = z.object({
  from: z.string(), to: z.string(),
  scope: z.object({ team: z.string().nullable() }),
  headline: z.object({
    services: count, goldenServices: count,
    goldenServiceShare: share('Golden-path services ÷ services.'),
    deployments: count,
    goldenDeploymentShare: share('Share of deployments of golden-path services.'),
    platformDeploymentShare: share('Share of deployments through the platform pipeline.'),
  }),
  teams: z.array(z.object({
    team: z.string(), services: count, golden_services: count, golden_share: share('Golden-path services ÷ services.'),
    deployments: count, golden_deployments: count, platform_deployments: count,
  })),
  weekly: z.array(z.object({ week: z.string().meta({ description: 'Monday of the week, `YYYY-MM-DD`.' }), deployments: count, golden_share: share('Share of the week\'s deployments on the golden path.'), platform_share: share('Share through the platform pipeline.') })),
  templates: z.array(z.object({ template: z.string(), services: count, runs: count })),
  timeToFirstDeployment: z.array(z.object({
    golden_path: z.boolean(),
    services: count.meta({ description: 'Services created after Paved\'s history starts.' }),
    p50_hours: hours('Median hours from creation to first production deployment.'),
    before_history: count.meta({ description: 'Services left out: their first deployment predates what Paved saw.' }),
  })),
  comparison: z.object({
    goldenPath: DoraResult,
    other: DoraResult,
  }).meta({ description: 'The five keys for golden-path services versus the others over the same window.' }),
}).meta({ id: 'AdoptionResult', description: 'Golden-path and platform adoption, template usage, time to first deployment and the golden-path comparison.' });
export type AdoptionResult = z.infer<typeof AdoptionResult>;

import { z } from 'zod';
import { dayParam, serviceParam, teamParam, WINDOW_ORDER, windowInOrder } from './common.js';
import { ExplainMetric } from './metrics.js';

/* Contract of GET /api/v1/export/{table}: every table on the dashboard as CSV, with the same parameters as its page. */

export const EXPORT_TABLES = ['services', 'teams', 'deployments', 'changes', 'failure-links', 'incidents', 'flow-prs', 'adoption-teams'] as const;
export type ExportTable = (typeof EXPORT_TABLES)[number];

/** The `{table}` of the path: a table's name, `.csv` appended or not. */
export const ExportTableParam = z.enum([...EXPORT_TABLES.map((t) => `${t}.csv`), ...EXPORT_TABLES], { error: `table must be one of ${EXPORT_TABLES.join(', ')} (with or without .csv)` })
  .transform((name) => name.replace(/\.csv$/, '') as ExportTable)
  .meta({ description: 'Which table, with or without `.csv`.', examples: ['deployments.csv'] });

/** Same parameters as the pages: from/to (or range=30|90|180|365), team, service; metric and deployment narrow the drill-down tables. */
export const ExportQuery = z.object({
  from: dayParam('from', 'First day of the window, `YYYY-MM-DD` (inclusive); give both `from` and `to`, or neither.', '2026-09-01').optional(),
  to: dayParam('to', 'Day after the window, `YYYY-MM-DD` (exclusive).', '2026-12-01').optional(),
  range: z.enum(['30', '90', '180', '365'], { error: 'range must be 30, 90, 180 or 365 (days)' }).optional()
    .meta({ description: 'Without `from`/`to`: the last this many days (default 90).' }),
  team: teamParam().optional(),
  service: serviceParam().optional(),
  metric: z.enum(ExplainMetric.options, { error: `metric must be one of ${ExplainMetric.options.join(', ')}` }).optional()
    .meta({ description: 'For `deployments`, `changes`, `failure-links` and `incidents`: the rows behind this metric, as its drill-down shows them.' }),
  deployment: z.string().min(1).optional().meta({ description: 'Only this deployment\'s rows.' }),
}).refine((q) => (q.from === undefined) === (q.to === undefined), { message: 'give both from and to, or neither (then range, default the last 90 days)', path: ['to'] })
  .refine(windowInOrder, WINDOW_ORDER);
export type ExportQuery = z.infer<typeof ExportQuery>;

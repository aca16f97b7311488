import { parseInstant } from '@paved/schemas';
import type { CatalogProblem } from './catalog/backstage.js';
import type { BackfillCommandOption } from './sources/contract.js';

/*
 * What the `paved backfill <source>` commands share, for the sources' own command declarations
 * (github/backfill-command.ts, gitlab/…, jira/…): the options every one has and their reading.
 */

/** `--since`: on a first run, only what changed after this date. */
export const sinceOption = (what = 'only what changed after this date'): BackfillCommandOption => ({
  flags: '--since <date>', description: `on a first run, ${what} (YYYY-MM-DD or ISO 8601)`,
});

/** `--full`: read by the CLI, which then hands collect cursors that start from nothing. */
export const fullOption: BackfillCommandOption = {
  flags: '--full', description: 'ignore where earlier runs stopped and fetch everything again (nothing is duplicated)',
};

export const jsonOption = (what = 'the result (counts, requests)'): BackfillCommandOption => ({ flags: '--json', description: `print ${what} as JSON` });

/** `--since` as an instant, or null; a value that is not a date names the formats. */
export function sinceOf(value: string | undefined): string | null {
  if (!value) return null;
  const since = parseInstant(value);
  if (!since) throw new Error(`--since "${value}" is not a date: use YYYY-MM-DD or an ISO 8601 time`);
  return since;
}

/** Catalog problems and what the API did not show, one line each (stderr after a run). */
export function skippedLines(catalogProblems: CatalogProblem[], missing: string[], what: (name: string) => string): string {
  const lines = [
    ...catalogProblems.map((problem) => `catalog: ${problem.file}${problem.document !== null ? ` (document ${problem.document + 1})` : ''}: ${problem.problem}\n`),
    ...missing.map((name) => `${what(name)}\n`),
  ];
  return lines.join('');
}

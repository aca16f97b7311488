/**
 * Responses collected elsewhere, as CSV: columns `team`, `tenure`, `role` and one per item id.
 * Every row is checked on its own; valid rows land, each rejected row is reported with why.
 */
import { createHash } from 'node:crypto';
import type { SurveyResponse } from '@paved/schemas';
import type { Warehouse } from '@paved/warehouse';
import { answeredCount, checkSheet } from './answers.js';
import { requireCampaign, SurveyInputError } from './campaigns.js';
import { parseCsv } from './csv.js';
import { itemsOf } from './definition.js';
import { campaignStatus, definitionFor } from './results.js';
import { readSubmittedResponses, writeImported } from './store.js';

export interface ImportReport {
  campaign: string;
  rows: number;
  imported: number;
  rejected: { line: number; reasons: string[] }[];
  /** Columns that are not questions of this survey: ignored, reported once. */
  ignoredColumns: string[];
  /** Item ids of the survey with no column in the file (those questions count as skipped). */
  missingColumns: string[];
}

const BANDS = ['team', 'tenure', 'role'];

/** Checks a CSV against the campaign's survey; pure except for reading nothing: returns rows to insert and the report. */
export function checkImport(definition: Parameters<typeof checkSheet>[0], campaign: { id: string; audience: string[] }, csv: string, now: Date): { responses: SurveyResponse[]; report: ImportReport } {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(csv);
  } catch (error) {
    throw new SurveyInputError(`the file is not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header) throw new SurveyInputError('the file is empty: expected a header row (team, tenure, role, then one column per question id)');
  const columns = header.fields.map((f) => f.trim());
  if (!columns.includes('team')) throw new SurveyInputError('the header has no "team" column; nothing was imported');
  const duplicate = columns.find((c, i) => c && columns.indexOf(c) !== i);
  if (duplicate) throw new SurveyInputError(`the header names column "${duplicate}" twice; nothing was imported`);
  const items = new Map(itemsOf(definition).map((item) => [item.id, item]));
  const ignoredColumns = columns.filter((c) => !BANDS.includes(c) && !items.has(c));
  const missingColumns = [...items.keys()].filter((id) => !columns.includes(id));
  const fileHash = createHash('sha256').update(csv).digest('hex');
  const day = `${now.toISOString().slice(0, 10)}T00:00:00.000Z`;

  const responses: SurveyResponse[] = [];
  const rejected: ImportReport['rejected'] = [];
  for (const row of rows) {
    const cell = (name: string) => {
      const at = columns.indexOf(name);
      return at === -1 ? undefined : row.fields[at];
    };
    const reasons: string[] = [];
    if (row.fields.length !== columns.length) reasons.push(`has ${row.fields.length} fields, the header has ${columns.length}`);
    const answers: Record<string, unknown> = {};
    const freeText: Record<string, unknown> = {};
    for (const [id, item] of items) {
      const value = cell(id);
      if (value === undefined) continue;
      if (item.kind === 'free_text') freeText[id] = value;
      else answers[id] = value;
    }
    const { sheet, errors } = checkSheet(definition, { team: cell('team'), tenure: cell('tenure'), role: cell('role'), answers, free_text: freeText }, campaign.audience);
    for (const [field, message] of Object.entries(errors)) reasons.push(`${field}: ${message}`);
    if (Object.keys(errors).length === 0 && answeredCount(sheet) === 0) reasons.push('no answers at all');
    if (reasons.length) {
      rejected.push({ line: row.line, reasons });
      continue;
    }
    responses.push({
      // The same file imported twice gives the same ids, so a retry adds nothing twice.
      id: `import-${createHash('sha256').update(`${campaign.id}\n${fileHash}\n${row.line}`).digest('hex').slice(0, 32)}`,
      campaign_id: campaign.id,
      survey_id: definition.id,
      survey_version: definition.version,
      team: sheet.team,
      tenure: sheet.tenure,
      role: sheet.role,
      answers: sheet.answers,
      free_text: sheet.free_text,
      submitted_at: day,
    });
  }
  return { responses, report: { campaign: campaign.id, rows: rows.length, imported: responses.length, rejected, ignoredColumns, missingColumns } };
}

export async function importResponses(warehouse: Warehouse, campaignId: string, csv: string, now = new Date()): Promise<ImportReport> {
  const campaign = await requireCampaign(warehouse, campaignId);
  const definition = await definitionFor(warehouse, campaign.surveyId, campaign.surveyVersion);
  const { responses, report } = checkImport(definition, campaign, csv, now);
  if (campaignStatus(campaign, now) === 'closed') {
    // A closed campaign's answers are released; adding to them would let anyone subtract the two
    // releases and read the new answers. Re-importing the same rows (same ids) changes nothing.
    const stored = new Set((await readSubmittedResponses(warehouse, campaign.id)).map((r) => r.id));
    const added = responses.filter((r) => !stored.has(r.id)).length;
    if (stored.size > 0 && added > 0) {
      throw new SurveyInputError(`campaign "${campaign.id}" is closed and its results are released; importing ${added} more response(s) would let anyone work them out by comparing the results before and after. Import all responses in one file, or into a new campaign (nothing was imported)`, 409);
    }
  }
  await writeImported(warehouse, responses);
  return report;
}

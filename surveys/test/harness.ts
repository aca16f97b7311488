import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PavedConfig, type SurveyDefinition } from '@paved/schemas';
import { migrate, Warehouse } from '@paved/warehouse';
import type { SurveyHttpContext } from '../src/http.js';
import type { Respondent, ResultsInput } from '../src/results.js';
import { surveyKeys } from '../src/tokens.js';

/** A fresh embedded warehouse (own directory, migrated). */
export async function openTestWarehouse(): Promise<{ warehouse: Warehouse; dir: string; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'paved-surveys-'));
  const warehouse = await Warehouse.open({ dataDir: dir, command: 'vitest surveys' });
  await migrate(warehouse);
  return {
    warehouse,
    dir,
    close: async () => {
      await warehouse.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const keys = surveyKeys('test secret: not for production, 32+ chars');

export function testConfig(overrides: Record<string, unknown> = {}): PavedConfig {
  return PavedConfig.parse({ catalog: { teams: [{ name: 'checkout', developers: 8 }, { name: 'payments', developers: 6 }, { name: 'search' }, { name: 'platform' }] }, ...overrides });
}

export function context(warehouse: Warehouse, now: Date, config = testConfig()): SurveyHttpContext {
  return { warehouse, config, keys, origin: 'http://paved.test', now: () => now };
}

/** A two-driver survey small enough to score on paper. */
export const SMALL: SurveyDefinition = {
  id: 'small',
  version: 1,
  title: 'Small survey',
  intro: '',
  drivers: [
    { id: 'speed', label: 'Speed', description: '', items: [
      { id: 'speed_1', kind: 'likert', text: 'Builds are fast.', scale: 'agreement', reversed: false },
      { id: 'speed_2', kind: 'likert', text: 'I often wait for builds.', scale: 'frequency', reversed: true },
    ] },
    { id: 'docs', label: 'Docs', description: '', items: [{ id: 'docs_1', kind: 'likert', text: 'Docs are good.', scale: 'agreement', reversed: false }] },
  ],
  extra_items: [
    { id: 'enps', kind: 'enps', text: 'How likely are you to recommend our internal platform to a colleague?' },
    { id: 'hours_lost', kind: 'hours_lost', text: 'Hours lost per week?', max: 40 },
    { id: 'comment', kind: 'free_text', text: 'Anything else?', optional: true },
  ],
};

export function respondent(team: string, answers: Record<string, number | null>, extra: Partial<Respondent> = {}): Respondent {
  return { team, tenure: null, role: null, answers, free_text: {}, ...extra };
}

export function input(responses: Respondent[], overrides: Partial<ResultsInput> = {}): ResultsInput {
  return {
    campaign: { id: 'c1', title: 'Round 1', surveyId: 'small', surveyVersion: 1, opensAt: '2026-01-01T00:00:00.000Z', closesAt: '2026-01-15T00:00:00.000Z', closedAt: null, status: 'closed', origin: 'managed', audience: [] },
    definition: SMALL,
    responses,
    minGroupSize: 5,
    denominators: new Map(),
    previous: null,
    notes: [],
    ...overrides,
  };
}

/** `n` respondents of `team` giving every Likert item `value` (and eNPS `enps`, a comment). */
export function many(team: string, n: number, value: number, enps = 8, comment?: string): Respondent[] {
  return Array.from({ length: n }, () => respondent(team, { speed_1: value, speed_2: 6 - value, docs_1: value, enps, hours_lost: 2 }, comment ? { free_text: { comment } } : {}));
}

/**
 * Checking one respondent's answers against the definition. Browser-safe: the form uses the same
 * rules to show a message next to the question before anything is sent.
 */
import { RoleBand, TenureBand, type SurveyDefinition, type SurveyItem } from '@paved/schemas';
import { itemsOf } from './items.js';

export const FREE_TEXT_MAX = 2000;

export type AnswerCheck = { ok: true; value: number | null } | { ok: false; message: string };

const EMPTY = (raw: unknown) => raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');

function asNumber(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') return Number(raw.trim().replace(',', '.'));
  return Number.NaN;
}

/** One numeric answer (Likert 1-5, eNPS 0-10, hours lost 0-max); empty means skipped. */
export function checkAnswer(item: SurveyItem, raw: unknown): AnswerCheck {
  if (EMPTY(raw)) return { ok: true, value: null };
  const value = asNumber(raw);
  switch (item.kind) {
    case 'likert':
      if (!Number.isInteger(value) || value < 1 || value > 5) return { ok: false, message: 'Choose one of the five options (1 to 5), or leave it blank to skip.' };
      return { ok: true, value };
    case 'enps':
      if (!Number.isInteger(value) || value < 0 || value > 10) return { ok: false, message: 'Choose a whole number from 0 (not at all likely) to 10 (extremely likely).' };
      return { ok: true, value };
    case 'hours_lost':
      if (!Number.isFinite(value)) return { ok: false, message: `Enter a number of hours, e.g. 3 or 2.5 (0 to ${item.max}).` };
      if (value < 0 || value > item.max) return { ok: false, message: `Enter between 0 and ${item.max} hours a week.` };
      return { ok: true, value: Math.round(value * 10) / 10 };
    case 'free_text':
      return { ok: false, message: 'This question takes text, not a number.' };
  }
}

export function checkFreeText(raw: unknown): { ok: true; value: string | null } | { ok: false; message: string } {
  if (EMPTY(raw)) return { ok: true, value: null };
  if (typeof raw !== 'string') return { ok: false, message: 'Enter text.' };
  const text = raw.trim();
  if (text.length > FREE_TEXT_MAX) return { ok: false, message: `Keep this under ${FREE_TEXT_MAX.toLocaleString('en-GB')} characters (it has ${text.length.toLocaleString('en-GB')}).` };
  return { ok: true, value: text };
}

export interface AnswerSheet {
  team: string;
  tenure: Tenure | null;
  role: Role | null;
  answers: Record<string, number | null>;
  free_text: Record<string, string>;
}
export type Tenure = (typeof TenureBand.options)[number];
export type Role = (typeof RoleBand.options)[number];

export interface CheckedSheet {
  /** Everything that passed; a draft can be saved from it even when `errors` is not empty. */
  sheet: AnswerSheet;
  /** Field (item id, `team`, `tenure`, `role`) → what to fix. */
  errors: Record<string, string>;
}

export interface SheetInput {
  team?: unknown;
  tenure?: unknown;
  role?: unknown;
  answers?: Record<string, unknown>;
  free_text?: Record<string, unknown>;
}

/**
 * Checks a whole answer sheet. Unknown question ids are errors (a stale form or a tampered post);
 * `teams` is the campaign's audience (empty: any team).
 */
export function checkSheet(definition: SurveyDefinition, input: SheetInput, teams: readonly string[]): CheckedSheet {
  const errors: Record<string, string> = {};
  const items = new Map(itemsOf(definition).map((item) => [item.id, item]));
  const team = typeof input.team === 'string' ? input.team.trim() : '';
  if (!team) errors.team = 'Choose your team.';
  else if (teams.length && !teams.includes(team)) errors.team = `Choose one of the listed teams (${teams.join(', ')}).`;

  const tenure = EMPTY(input.tenure) ? null : TenureBand.safeParse(input.tenure).data ?? null;
  if (!EMPTY(input.tenure) && tenure === null) errors.tenure = `Choose one of ${TenureBand.options.join(', ')}, or leave it blank.`;
  const role = EMPTY(input.role) ? null : RoleBand.safeParse(input.role).data ?? null;
  if (!EMPTY(input.role) && role === null) errors.role = `Choose one of ${RoleBand.options.join(', ')}, or leave it blank.`;

  const answers: Record<string, number | null> = {};
  for (const [id, raw] of Object.entries(input.answers ?? {})) {
    const item = items.get(id);
    if (!item || item.kind === 'free_text') {
      errors[id] = `"${id}" is not a question in this survey.`;
      continue;
    }
    const checked = checkAnswer(item, raw);
    if (checked.ok) answers[id] = checked.value;
    else errors[id] = checked.message;
  }
  const free_text: Record<string, string> = {};
  for (const [id, raw] of Object.entries(input.free_text ?? {})) {
    const item = items.get(id);
    if (item?.kind !== 'free_text') {
      errors[id] = `"${id}" is not a free-text question in this survey.`;
      continue;
    }
    const checked = checkFreeText(raw);
    if (!checked.ok) errors[id] = checked.message;
    else if (checked.value !== null) free_text[id] = checked.value;
  }
  return { sheet: { team: errors.team ? '' : team, tenure, role, answers, free_text }, errors };
}

/** How many questions have an answer (numbers or text). */
export function answeredCount(sheet: Pick<AnswerSheet, 'answers' | 'free_text'>): number {
  return Object.values(sheet.answers).filter((v) => v !== null).length + Object.keys(sheet.free_text).length;
}

export const TENURE_LABELS: Record<Tenure, string> = { '<1y': 'Less than a year', '1-3y': '1 to 3 years', '3-5y': '3 to 5 years', '5y+': 'More than 5 years' };
export const ROLE_LABELS: Record<Role, string> = { engineer: 'Engineer', senior: 'Senior engineer', 'staff+': 'Staff engineer or above', manager: 'Manager', other: 'Something else' };

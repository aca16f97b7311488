import { z } from 'zod';
import { calendarDateProblem, isoDay } from '../time.js';

/*
 * Pieces every `/api/v1` contract shares: the query's window and scope parameters, with the
 * descriptions and examples the OpenAPI document shows, and the error bodies the routes answer.
 */

/** A `from` or `to` query parameter: a real `YYYY-MM-DD` day; the error names the parameter and what is wrong. */
export function dayParam(name: 'from' | 'to', description: string, example: string) {
  return isoDay(name).meta({ description, format: 'date', examples: [example] });
}

export const FROM_DESCRIPTION = 'First day of the window, `YYYY-MM-DD` (UTC midnight, inclusive).';
export const TO_DESCRIPTION = 'Day after the window, `YYYY-MM-DD` (exclusive); must be after `from`.';

export const fromParam = () => dayParam('from', FROM_DESCRIPTION, '2026-09-01');
export const toParam = () => dayParam('to', TO_DESCRIPTION, '2026-12-01');
export const teamParam = () => z.string().min(1).meta({ description: 'One team, as the catalog names it (`unassigned` for services without one).', examples: ['payments'] });
export const serviceParam = () => z.string().min(1).meta({ description: 'One service: its catalog name, or `owner/repo` for services mapped by repository.', examples: ['checkout'] });
export const campaignParam = () => z.string().min(1).max(200).meta({ description: 'Survey campaign id (see `GET /api/v1/surveys/campaigns`); default: the newest campaign with results.', examples: ['dx-2026-q3'] });

/** The window rule shared by every query with `from` and `to`. */
export const WINDOW_ORDER = { message: 'from must be before to (the window is [from, to))', path: ['to'] };

/** A `{ from, to }` query whose days are both real: true when `from` is before `to` (bad days are reported by their own check). */
export function windowInOrder(q: { from?: string; to?: string }): boolean {
  return !q.from || !q.to || calendarDateProblem(q.from) !== null || calendarDateProblem(q.to) !== null || q.from < q.to;
}

// ---------- errors ----------

export const ApiIssue = z.object({
  parameter: z.string().meta({ description: 'The query parameter (or `(query)`, `(body)`) that was wrong.', examples: ['from'] }),
  message: z.string().meta({ description: 'What is wrong and what is allowed.', examples: ['from must be a date as YYYY-MM-DD: 2026-11-31: November 2026 has 30 days'] }),
});

export const BadRequestError = z.object({
  error: z.literal('bad_request'),
  issues: z.array(ApiIssue).optional().meta({ description: 'One entry per bad parameter.' }),
  message: z.string().optional(),
  known: z.array(z.string()).optional().meta({ description: 'For an unknown `team` or `service`: the ones Paved knows.' }),
}).meta({ id: 'BadRequestError', description: 'A parameter is missing or wrong: each issue names it and says what is allowed.' });
export type BadRequestError = z.infer<typeof BadRequestError>;

export const ApiError = z.object({
  error: z.string().meta({ description: 'A short code: `not_found`, `forbidden`, `unauthenticated`, `failed`, `unavailable`, …', examples: ['failed'] }),
  message: z.string().meta({ description: 'What failed, in words, without internals.' }),
}).meta({ id: 'Error', description: 'An error: a short code and what to do about it.' });
export type ApiError = z.infer<typeof ApiError>;

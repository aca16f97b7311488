import { z } from 'zod';
import { Instant } from './time.js';

const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'use lower-case letters, digits, - and _');

export const LikertScale = z.enum(['agreement', 'frequency']);

export const LikertItem = z.object({
  id: Id,
  kind: z.literal('likert'),
  text: z.string().min(1),
  scale: LikertScale.default('agreement'),
  /** True when agreeing means friction (the answer is reversed before scoring). */
  reversed: z.boolean().default(false),
});
export const EnpsItem = z.object({ id: Id, kind: z.literal('enps'), text: z.string().min(1) });
export const HoursLostItem = z.object({
  id: Id,
  kind: z.literal('hours_lost'),
  text: z.string().min(1),
  max: z.number().positive().default(40),
});
export const FreeTextItem = z.object({ id: Id, kind: z.literal('free_text'), text: z.string().min(1), optional: z.literal(true).default(true) });
export const SurveyItem = z.discriminatedUnion('kind', [LikertItem, EnpsItem, HoursLostItem, FreeTextItem]);
export type SurveyItem = z.infer<typeof SurveyItem>;

export const SurveyDriver = z.object({
  id: Id,
  label: z.string().min(1),
  description: z.string().default(''),
  items: z.array(LikertItem).min(1),
});
export type SurveyDriver = z.infer<typeof SurveyDriver>;

export const SurveyDefinition = z.object({
  id: Id,
  version: z.number().int().positive(),
  title: z.string().min(1),
  intro: z.string().default(''),
  drivers: z.array(SurveyDriver).min(1),
  /** eNPS, hours lost and free-text items, asked after the drivers. */
  extra_items: z.array(z.discriminatedUnion('kind', [EnpsItem, HoursLostItem, FreeTextItem])).default([]),
});
export type SurveyDefinition = z.infer<typeof SurveyDefinition>;

export const TenureBand = z.enum(['<1y', '1-3y', '3-5y', '5y+']);
export const RoleBand = z.enum(['engineer', 'senior', 'staff+', 'manager', 'other']);

/**
 * One anonymous response. It carries the team and optional coarse attributes, never the person:
 * the invite that produced it is not referenced (see surveys/ for how edits find their response).
 */
export const SurveyResponse = z.object({
  id: z.string().min(8),
  campaign_id: z.string().min(1),
  survey_id: Id,
  survey_version: z.number().int().positive(),
  team: z.string().min(1),
  tenure: TenureBand.nullable().default(null),
  role: RoleBand.nullable().default(null),
  /** Likert 1-5, eNPS 0-10, hours lost ≥ 0; null = skipped. */
  answers: z.record(z.string(), z.number().nullable()),
  free_text: z.record(z.string(), z.string()).default({}),
  submitted_at: Instant,
});
export type SurveyResponse = z.infer<typeof SurveyResponse>;

/** Walking a survey definition: browser-safe, no YAML parser (the response form imports this). */
import type { SurveyDefinition, SurveyItem } from '@paved/schemas';

/** Every question in the order the form asks them: driver items first, then eNPS, hours lost and free text. */
export function itemsOf(definition: SurveyDefinition): SurveyItem[] {
  return [...definition.drivers.flatMap((d) => d.items), ...definition.extra_items];
}

/** Item id → the driver it belongs to (Likert items only). */
export function driverOfItem(definition: SurveyDefinition): Map<string, string> {
  return new Map(definition.drivers.flatMap((d) => d.items.map((item) => [item.id, d.id] as const)));
}

export const AGREEMENT_LABELS = ['Strongly disagree', 'Disagree', 'Neither agree nor disagree', 'Agree', 'Strongly agree'] as const;
export const FREQUENCY_LABELS = ['Never', 'Rarely', 'Sometimes', 'Often', 'Always'] as const;

export function scaleLabels(scale: 'agreement' | 'frequency'): readonly string[] {
  return scale === 'frequency' ? FREQUENCY_LABELS : AGREEMENT_LABELS;
}

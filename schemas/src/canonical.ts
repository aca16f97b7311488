import { z } from 'zod';
import { AdoptionEvent, CatalogEntity, Commit, Compare, Deployment, EventSource, Incident, PullRequest, Push, RawRef, Review, SCHEMA_VERSION } from './events.js';
import { SurveyDefinition, SurveyResponse } from './survey.js';
import { Instant } from './time.js';

const envelope = {
  /** Stable and unique per source event: the same delivery always yields the same id. */
  id: z.string().min(1),
  source: EventSource,
  occurred_at: Instant,
  received_at: Instant,
  schema_version: z.literal(SCHEMA_VERSION),
  raw: RawRef,
};

/** The canonical event every source normalises into; `type` selects the shape of `data`. */
export const CanonicalEvent = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('commit'), data: Commit }),
  z.object({ ...envelope, type: z.literal('push'), data: Push }),
  z.object({ ...envelope, type: z.literal('compare'), data: Compare }),
  z.object({ ...envelope, type: z.literal('pull_request'), data: PullRequest }),
  z.object({ ...envelope, type: z.literal('review'), data: Review }),
  z.object({ ...envelope, type: z.literal('deployment'), data: Deployment }),
  z.object({ ...envelope, type: z.literal('incident'), data: Incident }),
  z.object({ ...envelope, type: z.literal('catalog_entity'), data: CatalogEntity }),
  z.object({ ...envelope, type: z.literal('adoption'), data: AdoptionEvent }),
  z.object({ ...envelope, type: z.literal('survey_definition'), data: SurveyDefinition }),
  z.object({ ...envelope, type: z.literal('survey_response'), data: SurveyResponse }),
]);
export type CanonicalEvent = z.infer<typeof CanonicalEvent>;
export type CanonicalEventInput = z.input<typeof CanonicalEvent>;
export type EventType = CanonicalEvent['type'];
export type EventOf<T extends EventType> = Extract<CanonicalEvent, { type: T }>;

/**
 * The key that keeps updates to one entity in order on a partitioned bus
 * (and the natural id the warehouse deduplicates on).
 */
export function entityKey(event: CanonicalEvent): string {
  switch (event.type) {
    case 'commit': return `commit:${event.data.repo}:${event.data.sha}`;
    case 'push': return `push:${event.data.repo}:${event.data.ref}:${event.data.after}`;
    case 'compare': return `compare:${event.data.repo}:${event.data.base}...${event.data.head}`;
    case 'pull_request': return `pr:${event.data.repo}#${event.data.number}`;
    case 'review': return `pr:${event.data.repo}#${event.data.pr_number}`;
    case 'deployment': return `deployment:${event.data.id}`;
    case 'incident': return `incident:${event.data.id}`;
    case 'catalog_entity': return `service:${event.data.service}`;
    case 'adoption': return `adoption:${event.data.id}`;
    case 'survey_definition': return `survey:${event.data.id}:${event.data.version}`;
    case 'survey_response': return `response:${event.data.id}`;
  }
}

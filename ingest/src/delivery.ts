import type { CanonicalEvent, EventSource, Instant } from '@paved/schemas';
import type { JiraSettings } from './jira/settings.js';

/** One authenticated delivery from a source, exactly as received (archived raw before anything else). */
export interface Delivery {
  source: EventSource;
  /** Source event name: GitHub `X-GitHub-Event`, PagerDuty `event.event_type`, `deployment`/`incident` for generic. */
  event: string;
  /** Idempotence key: X-GitHub-Delivery, PagerDuty event id, the sender's id. */
  deliveryId: string;
  receivedAt: Instant;
  payload: unknown;
}

/** Settings the normalisers need (from paved.config.yaml). */
export interface NormaliseContext {
  incidentLabel: string;
  defaultEnvironment: string;
  deploymentWorkflowPattern?: RegExp;
  /** sources.gitlab.incidentLabel (default: incidentLabel). */
  gitlabIncidentLabel?: string;
  /** sources.gitlab.apiUrl: where the receiver completes pushes of more than 20 commits (with GITLAB_TOKEN). */
  gitlabApiUrl?: string;
  /** sources.gitlab.deploymentPipelinePattern: finished pipelines whose name matches are deployments. */
  gitlabDeploymentPipelinePattern?: RegExp;
  /** sources.jira: which issues are incidents and where their service, severity and deployments are (default: JIRA_DEFAULTS). */
  jira?: JiraSettings;
}

export const defaultNormaliseContext: NormaliseContext = {
  incidentLabel: 'incident',
  defaultEnvironment: 'production',
};

/**
 * What a normaliser made of a delivery:
 * - `ok`: canonical events (possibly none, e.g. a `ping`), with what was assumed about fields the
 *   sender left out (fixed phrases, counted per phrase on Data health),
 * - `ignored`: authentic but nothing Paved measures (archived raw, acknowledged),
 * - `dlq`: authentic but not normalisable; the reason says what was missing.
 */
export type NormaliseOutcome =
  | { kind: 'ok'; events: CanonicalEvent[]; assumptions?: string[] }
  | { kind: 'ignored'; reason: string }
  | { kind: 'dlq'; reason: string };

export type Normaliser = (delivery: Delivery, context: NormaliseContext) => NormaliseOutcome;

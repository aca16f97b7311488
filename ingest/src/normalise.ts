import type { Delivery, NormaliseContext, NormaliseOutcome } from './delivery.js';
import { normaliseGenericDeployment, normaliseGenericIncident } from './generic/normalise.js';
import { isBackfillEvent, normaliseGithubBackfill } from './github/backfill-normalise.js';
import { normaliseGithub } from './github/normalise.js';
import { isGitlabBackfillEvent, normaliseGitlabBackfill } from './gitlab/backfill-extract.js';
import { normaliseGitlab } from './gitlab/normalise.js';
import { gitopsBodyOf, normaliseGitopsDeployment } from './gitops/normalise.js';
import { normaliseJira } from './jira/normalise.js';
import { normaliseOpsgenie } from './opsgenie/normalise.js';
import { normalisePagerduty } from './pagerduty/normalise.js';
import { assuming } from './payload.js';

export const ASSUMED_UTC = 'timestamps without a time zone: taken as UTC';

/** Turns one delivery into canonical events with the normaliser of its source. */
export function normalise(delivery: Delivery, context: NormaliseContext): NormaliseOutcome {
  const outcome = normaliseBySource(delivery, context);
  return outcome.kind === 'ok' && hasZonelessTime(delivery.payload) ? assuming(outcome, [ASSUMED_UTC]) : outcome;
}

const ZONELESS_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?$/;

/** Whether any date-time text in the payload (searched to a bounded depth and size) has no zone. */
function hasZonelessTime(value: unknown, depth = 0, budget = { nodes: 5_000 }): boolean {
  if (--budget.nodes < 0 || depth > 8) return false;
  if (typeof value === 'string') return value.length <= 40 && ZONELESS_TIME.test(value.trim());
  if (Array.isArray(value)) return value.some((item) => hasZonelessTime(item, depth + 1, budget));
  if (value !== null && typeof value === 'object') return Object.values(value).some((item) => hasZonelessTime(item, depth + 1, budget));
  return false;
}

function normaliseBySource(delivery: Delivery, context: NormaliseContext): NormaliseOutcome {
  switch (delivery.source) {
    // Backfill archives what no webhook carries (a PR's full commit list, commit parents) under its own event names.
    case 'github': return isBackfillEvent(delivery.event) ? normaliseGithubBackfill(delivery, context) : normaliseGithub(delivery, context);
    case 'gitlab': return isGitlabBackfillEvent(delivery.event) ? normaliseGitlabBackfill(delivery, context) : normaliseGitlab(delivery, context);
    case 'jira': return normaliseJira(delivery, context);
    case 'pagerduty': return normalisePagerduty(delivery, context);
    case 'opsgenie': return normaliseOpsgenie(delivery, context);
    case 'generic':
      // Argo CD's Application body and Flux's event body arrive at the same route (docs/sources/argocd.md).
      if (delivery.event === 'deployment') return gitopsBodyOf(delivery.payload) ? normaliseGitopsDeployment(delivery, context) : normaliseGenericDeployment(delivery, context);
      if (delivery.event === 'incident') return normaliseGenericIncident(delivery, context);
      return { kind: 'dlq', reason: `generic event "${delivery.event}" is neither deployment nor incident` };
    default:
      return { kind: 'dlq', reason: `no webhook normaliser for source "${delivery.source}"` };
  }
}

import type { Delivery, NormaliseContext, NormaliseOutcome } from './delivery.js';
import { normaliseGenericDeployment, normaliseGenericIncident } from './generic/normalise.js';
import { isBackfillEvent, normaliseGithubBackfill } from './github/backfill-normalise.js';
import { normaliseGithub } from './github/normalise.js';
import { normaliseOpsgenie } from './opsgenie/normalise.js';
import { normalisePagerduty } from './pagerduty/normalise.js';

/** Turns one delivery into canonical events with the normaliser of its source. */
export function normalise(delivery: Delivery, context: NormaliseContext): NormaliseOutcome {
  switch (delivery.source) {
    // Backfill archives what no webhook carries (a PR's full commit list, commit parents) under its own event names.
    case 'github': return isBackfillEvent(delivery.event) ? normaliseGithubBackfill(delivery, context) : normaliseGithub(delivery, context);
    case 'pagerduty': return normalisePagerduty(delivery, context);
    case 'opsgenie': return normaliseOpsgenie(delivery, context);
    case 'generic':
      if (delivery.event === 'deployment') return normaliseGenericDeployment(delivery, context);
      if (delivery.event === 'incident') return normaliseGenericIncident(delivery, context);
      return { kind: 'dlq', reason: `generic event "${delivery.event}" is neither deployment nor incident` };
    default:
      return { kind: 'dlq', reason: `no webhook normaliser for source "${delivery.source}"` };
  }
}

import { PavedConfig } from '@paved/schemas';
import { defineSource, requireSecret, WebhookRefusal } from '../sources/contract.js';
import { gitlabBackfillCommand } from './backfill-command.js';
import { isGitlabBackfillEvent, normaliseGitlabBackfill } from './backfill-extract.js';
import { normaliseGitlab } from './normalise.js';
import { gitlabDeliveryId, verifyGitlabToken } from './webhook.js';

/**
 * GitLab (gitlab.com and self-managed): webhooks with the secret token in X-Gitlab-Token, compared
 * in constant time before the body is read; REST backfill. docs/sources/gitlab.md.
 */
export const gitlabSource = defineSource({
  id: 'gitlab',
  title: 'GitLab',
  docs: 'docs/sources/gitlab.md',
  config: PavedConfig.shape.sources.unwrap().shape.gitlab,
  webhooks: [{
    path: '/webhooks/gitlab',
    secrets: ['GITLAB_WEBHOOK_TOKEN'],
    authenticate(request, secrets) {
      const token = requireSecret(secrets, 'GITLAB_WEBHOOK_TOKEN');
      if (!verifyGitlabToken(request.header('x-gitlab-token'), token)) {
        throw new WebhookRefusal(401, 'bad_token', 'missing or invalid X-Gitlab-Token: set the webhook\'s secret token to GITLAB_WEBHOOK_TOKEN', true);
      }
      return { kind: 'token' };
    },
    delivery(request, body) {
      const event = request.header('x-gitlab-event');
      if (!event) throw new WebhookRefusal(400, 'no_event', 'missing X-Gitlab-Event header');
      const payload = body.json();
      const deliveryId = gitlabDeliveryId({ idempotencyKey: request.header('idempotency-key'), eventUuid: request.header('x-gitlab-event-uuid') }, body.bytes);
      return { source: 'gitlab', event, deliveryId, payload };
    },
  }],
  normalise: normaliseGitlab,
  backfill: { isBackfillEvent: isGitlabBackfillEvent, extract: normaliseGitlabBackfill, command: 'paved backfill gitlab', cli: gitlabBackfillCommand },
});

import { PavedConfig } from '@paved/schemas';
import { StreamingSignatureCheck } from '../http/auth.js';
import { defineSource, requireSecret, WebhookRefusal } from '../sources/contract.js';
import { jiraBackfillCommand } from './backfill-command.js';
import { normaliseJira } from './normalise.js';
import { jiraDeliveryId, jiraEventOf, jiraSignatureOf, verifyJiraUrlToken } from './webhook.js';

/**
 * Jira / Jira Service Management incidents: Cloud webhooks signed with X-Hub-Signature, Data Center
 * with ?token= in the URL; JQL backfill (`paved backfill jira`) whose deliveries look like webhooks. docs/sources/jira.md.
 */
export const jiraSource = defineSource({
  id: 'jira',
  title: 'Jira',
  docs: 'docs/sources/jira.md',
  config: PavedConfig.shape.sources.unwrap().shape.jira,
  webhooks: [{
    path: '/webhooks/jira',
    secrets: ['JIRA_WEBHOOK_SECRET'],
    authenticate(request, secrets) {
      const secret = requireSecret(secrets, 'JIRA_WEBHOOK_SECRET');
      // Jira Data Center cannot sign: the secret may come as ?token= in the URL instead.
      if (verifyJiraUrlToken(request.url, secret)) return { kind: 'token' };
      const claimed = jiraSignatureOf(request.header('x-hub-signature'));
      if (typeof claimed === 'string') throw new WebhookRefusal(401, 'bad_signature', claimed, true);
      return {
        kind: 'signature', check: new StreamingSignatureCheck([secret], [claimed]),
        failure: () => new WebhookRefusal(401, 'bad_signature', 'invalid X-Hub-Signature: the body\'s HMAC does not match. Check the Jira webhook\'s secret equals JIRA_WEBHOOK_SECRET.'),
      };
    },
    delivery(request, body) {
      const payload = body.json();
      return { source: 'jira', event: jiraEventOf(payload), deliveryId: jiraDeliveryId(request.header('x-atlassian-webhook-identifier'), body.bytes), payload };
    },
  }],
  normalise: normaliseJira,
  // The JQL backfill replays each issue's changelog as the webhooks of those changes, so it has no event names of its own.
  backfill: { isBackfillEvent: () => false, extract: normaliseJira, command: 'paved backfill jira', cli: jiraBackfillCommand },
});

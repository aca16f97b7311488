import { PavedConfig } from '@paved/schemas';
import { githubSignatureOf, SignatureHeaderError, StreamingSignatureCheck } from '../http/auth.js';
import { bodyHash, defineSource, deliveryIdHeader, requireSecret, WebhookRefusal } from '../sources/contract.js';
import { githubBackfillCommand } from './backfill-command.js';
import { isBackfillEvent, normaliseGithubBackfill } from './backfill-normalise.js';
import { normaliseGithub } from './normalise.js';

const HINT = 'Check the webhook secret matches GITHUB_WEBHOOK_SECRET.';

/** GitHub: webhooks signed with X-Hub-Signature-256 (HMAC over the raw body), GraphQL/REST backfill. docs/sources.md#webhooks. */
export const githubSource = defineSource({
  id: 'github',
  title: 'GitHub',
  docs: 'docs/sources.md#webhooks',
  config: PavedConfig.shape.sources.unwrap().shape.github,
  webhooks: [{
    path: '/webhooks/github',
    secrets: ['GITHUB_WEBHOOK_SECRET'],
    authenticate(request, secrets) {
      const secret = requireSecret(secrets, 'GITHUB_WEBHOOK_SECRET');
      let claimed: ReturnType<typeof githubSignatureOf>;
      try {
        claimed = githubSignatureOf(request.header('x-hub-signature-256'), request.header('x-hub-signature'));
      } catch (error) {
        if (error instanceof SignatureHeaderError) throw new WebhookRefusal(401, 'bad_signature', `${error.message}. ${HINT}`, true);
        throw error;
      }
      const name = claimed.algorithm === 'sha256' ? 'X-Hub-Signature-256' : 'X-Hub-Signature';
      return {
        kind: 'signature', check: new StreamingSignatureCheck([secret], [claimed]),
        failure: () => new WebhookRefusal(401, 'bad_signature', `invalid ${name}: the body's HMAC does not match. ${HINT}`),
      };
    },
    delivery(request, body) {
      const event = request.header('x-github-event');
      if (!event) throw new WebhookRefusal(400, 'no_event', 'missing X-GitHub-Event header');
      return { source: 'github', event, deliveryId: deliveryIdHeader(request, 'x-github-delivery') ?? bodyHash(body.bytes), payload: body.json() };
    },
  }],
  normalise: normaliseGithub,
  // Backfill archives what no webhook carries (a PR's full commit list, commit parents) under its own event names.
  backfill: { isBackfillEvent, extract: normaliseGithubBackfill, command: 'paved backfill github', cli: githubBackfillCommand },
});

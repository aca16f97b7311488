import { pavedSignatureOf, SignatureHeaderError, StreamingSignatureCheck, verifyBearer } from '../http/auth.js';
import { gitopsBodyOf, normaliseGitopsDeployment } from '../gitops/normalise.js';
import { bodyHash, defineSource, deliveryIdHeader, secretOf, WebhookRefusal, type Credentials, type WebhookRequest, type WebhookRoute, type WebhookSecrets } from '../sources/contract.js';
import { dlq } from '../payload.js';
import { normaliseGenericDeployment, normaliseGenericIncident } from './normalise.js';

const HOW = 'send "Authorization: Bearer <PAVED_WEBHOOK_TOKEN>" or "X-Paved-Signature: sha256=<HMAC of the body with PAVED_WEBHOOK_HMAC_SECRET>"';

/** Generic senders authenticate with `Authorization: Bearer <PAVED_WEBHOOK_TOKEN>` or `X-Paved-Signature: sha256=<hmac>`. */
function genericCredentials(request: WebhookRequest, secrets: WebhookSecrets): Credentials {
  const token = secretOf(secrets, 'PAVED_WEBHOOK_TOKEN');
  const hmacSecret = secretOf(secrets, 'PAVED_WEBHOOK_HMAC_SECRET');
  if (!token && !hmacSecret) throw new WebhookRefusal(401, 'not_configured', 'generic webhooks are disabled: set PAVED_WEBHOOK_TOKEN or PAVED_WEBHOOK_HMAC_SECRET', true);
  if (token && verifyBearer(request.header('authorization'), token)) return { kind: 'token' };
  const signature = request.header('x-paved-signature');
  if (hmacSecret && signature !== undefined) {
    try {
      return {
        kind: 'signature', check: new StreamingSignatureCheck([hmacSecret], [pavedSignatureOf(signature)]),
        failure: () => new WebhookRefusal(401, 'bad_token', `invalid X-Paved-Signature: the body's HMAC does not match; ${HOW}`),
      };
    } catch (error) {
      if (error instanceof SignatureHeaderError) throw new WebhookRefusal(401, 'bad_token', `${error.message}; ${HOW}`, true);
      throw error;
    }
  }
  throw new WebhookRefusal(401, 'bad_token', `missing or invalid credentials: ${HOW}`, true);
}

function genericRoute(path: '/webhooks/deployments' | '/webhooks/incidents', event: 'deployment' | 'incident'): WebhookRoute {
  return {
    path,
    secrets: ['PAVED_WEBHOOK_TOKEN', 'PAVED_WEBHOOK_HMAC_SECRET'],
    authenticate: genericCredentials,
    delivery(request, body) {
      // The sender's key is scoped to the route: a deployment and an incident that reuse one key are two deliveries.
      const idempotencyKey = deliveryIdHeader(request, 'idempotency-key') ?? deliveryIdHeader(request, 'x-delivery-id');
      return { source: 'generic', event, deliveryId: idempotencyKey ? `${event}:${idempotencyKey}` : bodyHash(body.bytes), payload: body.json() };
    },
  };
}

/**
 * The generic JSON senders (Jenkins, Spinnaker, scripts) and the GitOps controllers: Argo CD's
 * notification body and Flux's event body arrive at the same deployments route (docs/sources/argocd.md).
 */
export const genericSource = defineSource({
  id: 'generic',
  title: 'Generic JSON (deployments, incidents), Argo CD and Flux',
  docs: 'docs/sources.md#generic-deployment-json-post-webhooksdeployments',
  webhooks: [genericRoute('/webhooks/deployments', 'deployment'), genericRoute('/webhooks/incidents', 'incident')],
  normalise(delivery, context) {
    if (delivery.event === 'deployment') return gitopsBodyOf(delivery.payload) ? normaliseGitopsDeployment(delivery, context) : normaliseGenericDeployment(delivery, context);
    if (delivery.event === 'incident') return normaliseGenericIncident(delivery, context);
    return dlq(`generic event "${delivery.event}" is neither deployment nor incident`);
  },
  health: [],
});

import { PavedConfig } from '@paved/schemas';
import { pagerdutySignaturesOf, SignatureHeaderError, StreamingSignatureCheck } from '../http/auth.js';
import { bodyHash, defineSource, requireSecret, WebhookRefusal } from '../sources/contract.js';
import { normalisePagerduty } from './normalise.js';

const HINT = 'Check PAGERDUTY_WEBHOOK_SECRET matches the subscription secret.';

/** PagerDuty V3 webhooks, signed with X-PagerDuty-Signature (several secrets while one is rotated). docs/sources.md. */
export const pagerdutySource = defineSource({
  id: 'pagerduty',
  title: 'PagerDuty',
  docs: 'docs/sources.md#webhooks',
  config: PavedConfig.shape.sources.unwrap().shape.pagerduty,
  webhooks: [{
    path: '/webhooks/pagerduty',
    secrets: ['PAGERDUTY_WEBHOOK_SECRET'],
    authenticate(request, secrets) {
      const secret = requireSecret(secrets, 'PAGERDUTY_WEBHOOK_SECRET');
      let claimed: ReturnType<typeof pagerdutySignaturesOf>;
      try {
        claimed = pagerdutySignaturesOf(request.header('x-pagerduty-signature'));
      } catch (error) {
        if (error instanceof SignatureHeaderError) throw new WebhookRefusal(401, 'bad_signature', `${error.message}. ${HINT}`, true);
        throw error;
      }
      const rotation = secret.split(',').map((s) => s.trim()).filter(Boolean);
      return {
        kind: 'signature', check: new StreamingSignatureCheck(rotation, claimed),
        failure: () => new WebhookRefusal(401, 'bad_signature', `invalid X-PagerDuty-Signature: the body's HMAC does not match. ${HINT}`),
      };
    },
    delivery(_request, body) {
      const payload = body.json();
      const event = (payload as { event?: { id?: unknown; event_type?: unknown } } | null)?.event;
      return {
        source: 'pagerduty', event: typeof event?.event_type === 'string' ? event.event_type : 'unknown',
        deliveryId: typeof event?.id === 'string' ? event.id : bodyHash(body.bytes), payload,
      };
    },
  }],
  normalise: normalisePagerduty,
});

import { PavedConfig } from '@paved/schemas';
import { safeEqual } from '../http/auth.js';
import { bodyHash, defineSource, requireSecret, WebhookRefusal } from '../sources/contract.js';
import { normaliseOpsgenie } from './normalise.js';

/** Opsgenie's outgoing webhook integration, with a token header (Opsgenie cannot sign). docs/sources.md. */
export const opsgenieSource = defineSource({
  id: 'opsgenie',
  title: 'Opsgenie',
  docs: 'docs/sources.md#webhooks',
  config: PavedConfig.shape.sources.unwrap().shape.opsgenie,
  webhooks: [{
    path: '/webhooks/opsgenie',
    secrets: ['OPSGENIE_WEBHOOK_TOKEN'],
    authenticate(request, secrets) {
      const token = requireSecret(secrets, 'OPSGENIE_WEBHOOK_TOKEN');
      const given = request.header('x-paved-token') ?? request.header('authorization')?.replace(/^Bearer\s+/i, '');
      if (!given || !safeEqual(given, token)) {
        throw new WebhookRefusal(401, 'bad_token', 'missing or invalid token: send OPSGENIE_WEBHOOK_TOKEN as "Authorization: Bearer <token>" or "X-Paved-Token"', true);
      }
      return { kind: 'token' };
    },
    delivery(_request, body) {
      const payload = body.json();
      const alert = payload as { action?: unknown; alert?: { alertId?: unknown; updatedAt?: unknown } } | null;
      const action = typeof alert?.action === 'string' ? alert.action : 'unknown';
      const deliveryId = typeof alert?.alert?.alertId === 'string' ? `${alert.alert.alertId}:${action}:${String(alert.alert.updatedAt ?? '')}` : bodyHash(body.bytes);
      return { source: 'opsgenie', event: action, deliveryId, payload };
    },
  }],
  normalise: normaliseOpsgenie,
});

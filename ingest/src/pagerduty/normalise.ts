import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Delivery, NormaliseOutcome, Normaliser } from '../delivery.js';
import {
  canonicalEvent, dlq, fields, identifier, ignored, instant, neverThrowing, severityFrom, text, validated,
  type DataOf, type Fields, type Severity,
} from '../payload.js';

/** PagerDuty v3 webhooks: `incident.*` events whose `data` is the incident itself. */
export const normalisePagerduty: Normaliser = neverThrowing('PagerDuty', (delivery) => {
  const event = fields(fields(delivery.payload)?.event);
  if (!event) return dlq('PagerDuty payload without event');
  const eventType = text(event.event_type) ?? text(delivery.event);
  if (!eventType) return dlq('PagerDuty event without event_type');
  if (!eventType.startsWith('incident.')) return ignored(`PagerDuty ${eventType} is not about an incident`);
  const data = fields(event.data);
  if (!data) return dlq(`PagerDuty ${eventType} without event.data`);
  // incident.annotated, incident.responder.* ... carry a note or responder that only references the incident.
  if (data.type !== 'incident') return ignored(`PagerDuty ${eventType} carries ${text(data.type) ?? 'no'} data, not the incident`);
  return incident(delivery, eventType, event, data);
});

function incident(delivery: Delivery, eventType: string, event: Fields, data: Fields): NormaliseOutcome {
  const incidentId = identifier(data.id);
  if (!incidentId) return dlq(`PagerDuty ${eventType} without event.data.id`);
  const occurredAt = instant(event.occurred_at) ?? delivery.receivedAt;
  const status = statusOf(eventType, text(data.status));
  const id = `pagerduty:${incidentId}`;
  const incident: DataOf<'incident'> = {
    id,
    source: 'pagerduty',
    service: text(fields(data.service)?.summary) ?? null,
    repo: null,
    severity: severityOf(data),
    title: typeof data.title === 'string' ? data.title : '',
    status,
    opened_at: instant(data.created_at) ?? occurredAt,
    acknowledged_at: eventType === 'incident.acknowledged' ? occurredAt : null,
    resolved_at: status === 'resolved' ? occurredAt : null,
    linked_deployment_ids: [],
    linked_shas: [],
    url: text(data.html_url) ?? null,
    updated_at: occurredAt,
  };
  return validated([canonicalEvent(delivery, 'incident', id, occurredAt, incident)]);
}

function statusOf(eventType: string, status: string | undefined): DataOf<'incident'>['status'] {
  if (status === 'resolved' || eventType === 'incident.resolved') return 'resolved';
  if (status === 'acknowledged' || eventType === 'incident.acknowledged') return 'acknowledged';
  return 'open';
}

/** The priority when the account uses priorities (P1-P5), else the urgency. */
function severityOf(data: Fields): Severity {
  const priority = severityFrom(text(fields(data.priority)?.summary));
  if (priority) return priority;
  const urgency = text(data.urgency)?.toLowerCase();
  return urgency === 'high' || urgency === 'low' ? urgency : 'unknown';
}

/**
 * Checks `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]` (several while a secret is rotated)
 * against HMAC-SHA256 of the raw body under each configured secret, in constant time.
 */
export function verifyPagerdutySignature(rawBody: string, header: string | undefined, secrets: string[]): boolean {
  if (!header) return false;
  const signatures = header.split(',').flatMap((part) => {
    const match = /^\s*v1=([0-9a-f]+)\s*$/i.exec(part);
    return match?.[1] ? [Buffer.from(match[1], 'hex')] : [];
  });
  if (signatures.length === 0) return false;
  return secrets.filter((secret) => secret !== '').some((secret) => {
    const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
    return signatures.some((signature) => signature.length === expected.length && timingSafeEqual(signature, expected));
  });
}

import type { Instant } from '@paved/schemas';
import type { Delivery, NormaliseOutcome, Normaliser } from '../delivery.js';
import {
  canonicalEvent, dlq, fields, identifier, ignored, instant, list, neverThrowing, severityFrom, text, validated,
  type DataOf, type Fields,
} from '../payload.js';

type IncidentStatus = DataOf<'incident'>['status'];

/**
 * The alert actions that say where the incident stands. Other actions (notes, tags, escalations...)
 * come without the alert's state, and emitting them would reopen a closed incident.
 */
const STATUS_OF_ACTION: Record<string, IncidentStatus> = {
  create: 'open',
  acknowledge: 'acknowledged',
  unacknowledge: 'open',
  close: 'resolved',
};

/** Opsgenie webhook integration: one alert action per delivery; each alert is an incident. */
export const normaliseOpsgenie: Normaliser = neverThrowing('Opsgenie', (delivery) => {
  const payload = fields(delivery.payload);
  if (!payload) return dlq('Opsgenie payload is not a JSON object');
  const action = text(payload.action) ?? text(delivery.event);
  if (!action) return dlq('Opsgenie payload without action');
  const status = STATUS_OF_ACTION[action.toLowerCase()];
  if (!status) return ignored(`Opsgenie ${action} does not change where an incident stands`);
  const alert = fields(payload.alert);
  if (!alert) return dlq(`Opsgenie ${action} without alert`);
  return incident(delivery, action, status, alert);
});

function incident(delivery: Delivery, action: string, status: IncidentStatus, alert: Fields): NormaliseOutcome {
  const alertId = identifier(alert.alertId);
  if (!alertId) return dlq(`Opsgenie ${action} without alert.alertId`);
  const updatedAt = opsgenieTime(alert.updatedAt) ?? delivery.receivedAt;
  const id = `opsgenie:${alertId}`;
  const data: DataOf<'incident'> = {
    id,
    source: 'opsgenie',
    service: serviceOf(alert) ?? null,
    repo: null,
    severity: severityFrom(text(alert.priority)) ?? 'unknown',
    title: typeof alert.message === 'string' ? alert.message : '',
    status,
    opened_at: opsgenieTime(alert.createdAt) ?? updatedAt,
    acknowledged_at: status === 'acknowledged' ? updatedAt : null,
    resolved_at: status === 'resolved' ? updatedAt : null,
    linked_deployment_ids: [],
    linked_shas: [],
    url: null,
    updated_at: updatedAt,
  };
  return validated([canonicalEvent(delivery, 'incident', id, updatedAt, data)]);
}

/** `details.service`, else a `service:NAME` tag, else the alert's entity. */
function serviceOf(alert: Fields): string | undefined {
  const fromDetails = text(fields(alert.details)?.service);
  if (fromDetails) return fromDetails;
  for (const tag of list(alert.tags)) {
    const service = /^service\s*:\s*(.+)$/i.exec(text(tag) ?? '')?.[1]?.trim();
    if (service) return service;
  }
  return text(alert.entity);
}

/**
 * Opsgenie sends `createdAt` in epoch milliseconds but `updatedAt` in nanoseconds;
 * scale anything past the millisecond range down before parsing.
 */
function opsgenieTime(value: unknown): Instant | undefined {
  const epoch = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof epoch !== 'number') return instant(value);
  if (epoch > 1e17) return instant(Math.floor(epoch / 1e6));
  if (epoch > 1e14) return instant(Math.floor(epoch / 1e3));
  return instant(epoch);
}

import type { EventOf } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { defaultNormaliseContext, type NormaliseOutcome } from '../src/delivery.js';
import { normaliseOpsgenie } from '../src/opsgenie/normalise.js';

const RECEIVED_AT = '2024-03-01T12:00:00.000Z';
const CREATED_MS = 1709287200000; // 2024-03-01T10:00:00Z
const UPDATED_NS = 1709288100123000000; // 2024-03-01T10:15:00.123Z, Opsgenie sends nanoseconds here

function webhook(action: string, alert: Record<string, unknown> = {}) {
  return {
    action,
    source: { name: 'web', type: 'API' },
    alert: {
      alertId: '052652ac-5d1c-464a-812a-7dd18bbfba8c', message: 'Checkout latency high', tags: ['team:core'], priority: 'P2',
      createdAt: CREATED_MS, updatedAt: UPDATED_NS, entity: 'checkout-api', source: 'datadog', details: { service: 'payments' }, ...alert,
    },
    integrationName: 'Paved',
  };
}

function run(payload: unknown, deliveryId = 'og-1'): NormaliseOutcome {
  return normaliseOpsgenie({ source: 'opsgenie', event: 'alert', deliveryId, receivedAt: RECEIVED_AT, payload }, defaultNormaliseContext);
}

function incident(outcome: NormaliseOutcome): EventOf<'incident'>['data'] {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}: ${outcome.reason}`);
  const [event] = outcome.events;
  if (outcome.events.length !== 1 || event?.type !== 'incident') throw new Error('expected exactly one incident');
  return event.data;
}

describe('Opsgenie alert webhooks', () => {
  it('turns Create into an open incident', () => {
    expect(incident(run(webhook('Create')))).toEqual({
      id: 'opsgenie:052652ac-5d1c-464a-812a-7dd18bbfba8c', source: 'opsgenie', service: 'payments', repo: null, severity: 'high', title: 'Checkout latency high',
      status: 'open', opened_at: '2024-03-01T10:00:00.000Z', acknowledged_at: null, resolved_at: null, linked_deployment_ids: [], linked_shas: [],
      url: null, updated_at: '2024-03-01T10:15:00.123Z',
    });
  });

  it('records the acknowledgement time on Acknowledge', () => {
    expect(incident(run(webhook('Acknowledge')))).toMatchObject({ status: 'acknowledged', acknowledged_at: '2024-03-01T10:15:00.123Z' });
  });

  it('reopens on UnAcknowledge', () => {
    expect(incident(run(webhook('UnAcknowledge')))).toMatchObject({ status: 'open', acknowledged_at: null });
  });

  it('records the resolution time on Close', () => {
    expect(incident(run(webhook('Close')))).toMatchObject({ status: 'resolved', resolved_at: '2024-03-01T10:15:00.123Z' });
  });

  it.each(['AddNote', 'AddTags', 'EscalateNext', 'Delete'])('ignores %s, which does not say where the incident stands', (action) => {
    expect(run(webhook(action))).toMatchObject({ kind: 'ignored' });
  });

  it.each([['P1', 'critical'], ['P2', 'high'], ['P3', 'medium'], ['P4', 'low'], ['P5', 'low'], [undefined, 'unknown']])('priority %s means severity %s', (priority, severity) => {
    expect(incident(run(webhook('Create', { priority }))).severity).toBe(severity);
  });

  it('takes the service from a service: tag when the details name none', () => {
    expect(incident(run(webhook('Acknowledge', { details: undefined, tags: ['team:core', 'service:billing'] }))).service).toBe('billing');
  });

  it('takes the service from the entity when neither details nor tags name one', () => {
    expect(incident(run(webhook('Acknowledge', { details: {}, tags: [] }))).service).toBe('checkout-api');
  });

  it('has no service when nothing names one', () => {
    expect(incident(run(webhook('Acknowledge', { details: {}, tags: [], entity: '' }))).service).toBeNull();
  });

  it('reads updatedAt in milliseconds as well', () => {
    expect(incident(run(webhook('Close', { updatedAt: 1709288100000 }))).resolved_at).toBe('2024-03-01T10:15:00.000Z');
  });

  it('falls back to the received time without updatedAt', () => {
    expect(incident(run(webhook('Close', { updatedAt: undefined }))).updated_at).toBe(RECEIVED_AT);
  });

  it('gives a redelivery identical ids', () => {
    const ids = (outcome: NormaliseOutcome) => (outcome.kind === 'ok' ? outcome.events.map((event) => event.id) : []);
    expect(ids(run(webhook('Create'), 'og-9'))).toEqual(ids(run(webhook('Create'), 'og-9')));
  });

  it('dead-letters an alert without alertId', () => {
    expect(run(webhook('Create', { alertId: undefined }))).toEqual({ kind: 'dlq', reason: 'Opsgenie Create without alert.alertId' });
  });

  it('dead-letters a payload without alert', () => {
    expect(run({ action: 'Create' })).toEqual({ kind: 'dlq', reason: 'Opsgenie Create without alert' });
  });
});

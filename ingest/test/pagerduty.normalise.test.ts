import { createHmac } from 'node:crypto';
import type { EventOf } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { defaultNormaliseContext, type NormaliseOutcome } from '../src/delivery.js';
import { normalisePagerduty, verifyPagerdutySignature } from '../src/pagerduty/normalise.js';

const RECEIVED_AT = '2024-03-01T12:00:00.000Z';

function webhook(eventType: string, data: Record<string, unknown> = {}, event: Record<string, unknown> = {}) {
  return {
    event: {
      id: '01DEN7Q4KTTH9OZDV7ZVUXKL5H', event_type: eventType, resource_type: 'incident', occurred_at: '2024-03-01T10:15:00.000Z',
      data: {
        id: 'Q1ABC', type: 'incident', title: 'Checkout latency high', number: 42, status: 'triggered', urgency: 'high',
        service: { id: 'PSVC1', summary: 'payments' }, priority: { id: 'PPRI1', summary: 'P1' },
        created_at: '2024-03-01T10:00:00Z', html_url: 'https://acme.pagerduty.com/incidents/Q1ABC', ...data,
      },
      ...event,
    },
  };
}

function run(payload: unknown, deliveryId = 'pd-1'): NormaliseOutcome {
  const eventType = (payload as { event?: { event_type?: string } }).event?.event_type ?? 'unknown';
  return normalisePagerduty({ source: 'pagerduty', event: eventType, deliveryId, receivedAt: RECEIVED_AT, payload }, defaultNormaliseContext);
}

function incident(outcome: NormaliseOutcome): EventOf<'incident'>['data'] {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}: ${outcome.reason}`);
  expect(outcome.events).toHaveLength(1);
  const [event] = outcome.events;
  if (event?.type !== 'incident') throw new Error(`expected an incident, got ${event?.type}`);
  return event.data;
}

describe('PagerDuty incident webhooks', () => {
  it('turns incident.triggered into an open incident', () => {
    expect(incident(run(webhook('incident.triggered')))).toEqual({
      id: 'pagerduty:Q1ABC', source: 'pagerduty', service: 'payments', repo: null, severity: 'critical', title: 'Checkout latency high', status: 'open',
      opened_at: '2024-03-01T10:00:00.000Z', acknowledged_at: null, resolved_at: null, linked_deployment_ids: [], linked_shas: [],
      url: 'https://acme.pagerduty.com/incidents/Q1ABC', updated_at: '2024-03-01T10:15:00.000Z',
    });
  });

  it('records the acknowledgement time on incident.acknowledged', () => {
    expect(incident(run(webhook('incident.acknowledged', { status: 'acknowledged' })))).toMatchObject({ status: 'acknowledged', acknowledged_at: '2024-03-01T10:15:00.000Z', resolved_at: null });
  });

  it('records the resolution time on incident.resolved', () => {
    expect(incident(run(webhook('incident.resolved', { status: 'resolved' })))).toMatchObject({ status: 'resolved', resolved_at: '2024-03-01T10:15:00.000Z' });
  });

  it('keeps the status the incident reports on other incident events', () => {
    expect(incident(run(webhook('incident.priority_updated', { status: 'acknowledged' })))).toMatchObject({ status: 'acknowledged', acknowledged_at: null });
  });

  it.each([['P1', 'critical'], ['P2', 'high'], ['P3', 'medium'], ['P4', 'low'], ['P5', 'low']])('priority %s means severity %s', (priority, severity) => {
    expect(incident(run(webhook('incident.triggered', { priority: { summary: priority } }))).severity).toBe(severity);
  });

  it.each([['high', 'high'], ['low', 'low']])('without a priority, urgency %s means severity %s', (urgency, severity) => {
    expect(incident(run(webhook('incident.triggered', { priority: null, urgency })))).toMatchObject({ severity });
  });

  it('has unknown severity with neither priority nor urgency', () => {
    expect(incident(run(webhook('incident.triggered', { priority: null, urgency: undefined }))).severity).toBe('unknown');
  });

  it('opens the incident when the event occurred if created_at is missing', () => {
    expect(incident(run(webhook('incident.triggered', { created_at: undefined }))).opened_at).toBe('2024-03-01T10:15:00.000Z');
  });

  it('gives a redelivery identical ids', () => {
    const ids = (outcome: NormaliseOutcome) => (outcome.kind === 'ok' ? outcome.events.map((event) => event.id) : []);
    expect(ids(run(webhook('incident.triggered'), 'pd-9'))).toEqual(['pagerduty:pd-9:incident:pagerduty:Q1ABC']);
    expect(ids(run(webhook('incident.triggered'), 'pd-9'))).toEqual(ids(run(webhook('incident.triggered'), 'pd-9')));
  });

  it('ignores events that are not about incidents', () => {
    expect(run(webhook('service.updated', { type: 'service' }))).toEqual({ kind: 'ignored', reason: 'PagerDuty service.updated is not about an incident' });
  });

  it('ignores incident events whose data is not the incident itself', () => {
    expect(run(webhook('incident.annotated', { type: 'incident_note' }))).toEqual({ kind: 'ignored', reason: expect.stringMatching(/incident_note/) });
  });

  it('dead-letters an incident without id', () => {
    expect(run(webhook('incident.triggered', { id: undefined }))).toEqual({ kind: 'dlq', reason: 'PagerDuty incident.triggered without event.data.id' });
  });

  it('dead-letters a payload without event', () => {
    expect(run({ messages: [] })).toEqual({ kind: 'dlq', reason: 'PagerDuty payload without event' });
  });
});

describe('verifyPagerdutySignature', () => {
  const body = JSON.stringify(webhook('incident.triggered'));
  const sign = (secret: string, signed = body) => `v1=${createHmac('sha256', secret).update(signed).digest('hex')}`;

  it('accepts a signature made with the secret', () => {
    expect(verifyPagerdutySignature(body, sign('s3cret'), ['s3cret'])).toBe(true);
  });

  it('accepts any of several signatures while a secret is rotated', () => {
    expect(verifyPagerdutySignature(body, `${sign('old')},${sign('new')}`, ['new'])).toBe(true);
  });

  it('accepts a signature made with any configured secret', () => {
    expect(verifyPagerdutySignature(body, sign('new'), ['old', 'new'])).toBe(true);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifyPagerdutySignature(body, sign('other'), ['s3cret'])).toBe(false);
  });

  it('rejects a body changed after signing', () => {
    expect(verifyPagerdutySignature(`${body} `, sign('s3cret'), ['s3cret'])).toBe(false);
  });

  it.each([[undefined], [''], ['v1='], ['v2=abcd'], ['v1=abcd'], ['v1=zz']])('rejects the header %j', (header) => {
    expect(verifyPagerdutySignature(body, header, ['s3cret'])).toBe(false);
  });

  it('rejects everything when no secret is configured', () => {
    expect(verifyPagerdutySignature(body, sign(''), [])).toBe(false);
  });
});

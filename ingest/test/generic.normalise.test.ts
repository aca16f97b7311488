import type { EventOf, EventType } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultNormaliseContext, type Delivery, type NormaliseOutcome } from '../src/delivery.js';
import {
  GenericDeploymentPayload, GenericIncidentPayload, normaliseGenericDeployment, normaliseGenericIncident,
} from '../src/generic/normalise.js';
import { normalise } from '../src/normalise.js';

const RECEIVED_AT = '2024-03-01T12:00:00.000Z';
const SHA = 'abcdef1234567890abcdef1234567890abcdef12';

function delivery(event: string, payload: unknown, deliveryId = 'sender-1'): Delivery {
  return { source: 'generic', event, deliveryId, receivedAt: RECEIVED_AT, payload };
}

function only<T extends EventType>(outcome: NormaliseOutcome, type: T): EventOf<T>['data'] {
  if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}: ${outcome.reason}`);
  const [event] = outcome.events;
  if (outcome.events.length !== 1 || event?.type !== type) throw new Error(`expected exactly one ${type}`);
  return event.data as EventOf<T>['data'];
}

const deploy = (payload: unknown) => normaliseGenericDeployment(delivery('deployment', payload), defaultNormaliseContext);
const report = (payload: unknown) => normaliseGenericIncident(delivery('incident', payload), defaultNormaliseContext);

describe('generic deployments', () => {
  const argo = {
    id: '42', service: 'payments', repo: 'acme/payments', environment: 'production', sha: SHA.toUpperCase(), ref: 'main', status: 'success',
    started_at: '2024-03-01T10:00:00Z', finished_at: '2024-03-01T10:06:00Z', creator: 'argocd', pipeline: 'payments-prod', source_system: 'argocd',
    url: 'https://argo.example.com/applications/payments',
  };

  it('becomes a deployment identified by source system and sender id', () => {
    expect(only(deploy(argo), 'deployment')).toEqual({
      id: 'generic:argocd:42', repo: 'acme/payments', service: 'payments', path: null, environment: 'production', sha: SHA, ref: 'main', status: 'success',
      started_at: '2024-03-01T10:00:00.000Z', finished_at: '2024-03-01T10:06:00.000Z', status_at: '2024-03-01T10:06:00.000Z',
      creator: { login: 'argocd', name: null, email: null, bot: false }, workflow_name: 'payments-prod', source_system: 'argocd',
      url: 'https://argo.example.com/applications/payments',
    });
  });

  it('needs only id and status', () => {
    expect(only(deploy({ id: 'build-7', status: 'in_progress' }), 'deployment')).toMatchObject({
      id: 'generic:generic:build-7', repo: 'unknown', service: null, environment: 'production', sha: null, status: 'in_progress',
      started_at: RECEIVED_AT, finished_at: null, status_at: RECEIVED_AT, source_system: 'generic', workflow_name: null,
    });
  });

  it('leaves a deployment still running unfinished even when finished_at is sent', () => {
    expect(only(deploy({ ...argo, status: 'in_progress' }), 'deployment')).toMatchObject({ finished_at: null, status_at: '2024-03-01T10:00:00.000Z' });
  });

  it.each([
    ['ISO with zone', '2024-03-01T10:06:00Z'],
    ['ISO without zone', '2024-03-01T10:06:00'],
    ['a space separator', '2024-03-01 10:06:00'],
    ['epoch seconds', 1709287560],
    ['epoch milliseconds', 1709287560000],
    ['epoch seconds as text', '1709287560'],
  ])('accepts finished_at as %s', (_, finishedAt) => {
    expect(only(deploy({ ...argo, finished_at: finishedAt }), 'deployment').finished_at).toBe('2024-03-01T10:06:00.000Z');
  });

  it('dead-letters a deployment without id, naming the field', () => {
    expect(deploy({ status: 'success' })).toEqual({ kind: 'dlq', reason: expect.stringMatching(/^generic deployment does not fit the documented format: id: /) });
  });

  it('dead-letters an unknown status, naming the field and value', () => {
    expect(deploy({ ...argo, status: 'done' })).toEqual({ kind: 'dlq', reason: expect.stringMatching(/status: .*\(got "done"\)/) });
  });

  it('dead-letters a time it cannot read, naming the field', () => {
    expect(deploy({ ...argo, started_at: 'yesterday' })).toEqual({ kind: 'dlq', reason: expect.stringMatching(/started_at: not a time/) });
  });

  it('dead-letters a sha that is not hex', () => {
    expect(deploy({ ...argo, sha: 'main' })).toEqual({ kind: 'dlq', reason: expect.stringMatching(/sha: expected a git sha/) });
  });

  it('gives a redelivery identical ids', () => {
    const ids = (outcome: NormaliseOutcome) => (outcome.kind === 'ok' ? outcome.events.map((event) => event.id) : []);
    expect(ids(deploy(argo))).toEqual(['generic:sender-1:deployment:generic:argocd:42']);
    expect(ids(deploy(argo))).toEqual(ids(deploy(argo)));
  });
});

describe('generic incidents', () => {
  const incident = {
    id: 'INC-7', service: 'payments', repo: 'acme/payments', severity: 'P1', title: 'Checkout down',
    opened_at: '2024-03-01T10:00:00Z', acknowledged_at: '2024-03-01T10:05:00Z', resolved_at: '2024-03-01T11:00:00Z',
    deployment_ids: ['generic:argocd:42'], shas: [SHA], url: 'https://status.example.com/INC-7',
  };

  it('becomes an incident with the links the sender gave', () => {
    expect(only(report(incident), 'incident')).toEqual({
      id: 'generic:INC-7', source: 'generic', service: 'payments', repo: 'acme/payments', severity: 'critical', title: 'Checkout down', status: 'resolved',
      opened_at: '2024-03-01T10:00:00.000Z', acknowledged_at: '2024-03-01T10:05:00.000Z', resolved_at: '2024-03-01T11:00:00.000Z',
      linked_deployment_ids: ['generic:argocd:42'], linked_shas: [SHA], url: 'https://status.example.com/INC-7', updated_at: '2024-03-01T11:00:00.000Z',
    });
  });

  it('is open when only opened_at is given', () => {
    expect(only(report({ id: 'INC-8', title: 'Slow search', opened_at: 1709287200 }), 'incident')).toMatchObject({
      status: 'open', severity: 'unknown', opened_at: '2024-03-01T10:00:00.000Z', acknowledged_at: null, resolved_at: null, updated_at: '2024-03-01T10:00:00.000Z',
    });
  });

  it('is acknowledged when acknowledged_at is given', () => {
    expect(only(report({ ...incident, resolved_at: undefined }), 'incident').status).toBe('acknowledged');
  });

  it('is resolved at the report time when status says resolved without resolved_at', () => {
    expect(only(report({ id: 'INC-9', title: 'x', opened_at: '2024-03-01T10:00:00Z', status: 'resolved' }), 'incident')).toMatchObject({ status: 'resolved', resolved_at: RECEIVED_AT });
  });

  it.each([['critical', 'critical'], ['HIGH', 'high'], ['sev3', 'medium'], ['P4', 'low'], ['whatever', 'unknown']])('severity %s means %s', (severity, expected) => {
    expect(only(report({ ...incident, severity }), 'incident').severity).toBe(expected);
  });

  it('dead-letters an incident without opened_at, naming the field', () => {
    expect(report({ id: 'INC-1', title: 'x' })).toEqual({ kind: 'dlq', reason: expect.stringMatching(/opened_at: required/) });
  });

  it('dead-letters a linked sha that is not hex, naming its position', () => {
    expect(report({ ...incident, shas: ['nope'] })).toEqual({ kind: 'dlq', reason: expect.stringMatching(/shas\.0: expected a git sha/) });
  });
});

describe('generic formats as published JSON Schema', () => {
  it.each([['GenericDeploymentPayload', GenericDeploymentPayload], ['GenericIncidentPayload', GenericIncidentPayload]])('%s documents every field', (_, schema) => {
    const published = z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, { description?: string }> };
    for (const [field, property] of Object.entries(published.properties)) expect(property.description, field).toMatch(/\w/);
  });
});

describe('normalise dispatches generic deliveries by event', () => {
  it('sends deployment to the deployment format', () => {
    expect(normalise(delivery('deployment', { id: '1', status: 'success' }), defaultNormaliseContext)).toMatchObject({ kind: 'ok' });
  });

  it('sends incident to the incident format', () => {
    expect(normalise(delivery('incident', { id: '1', title: 'x', opened_at: 1709287200 }), defaultNormaliseContext)).toMatchObject({ kind: 'ok' });
  });

  it('dead-letters any other generic event', () => {
    expect(normalise(delivery('release', {}), defaultNormaliseContext)).toEqual({ kind: 'dlq', reason: 'generic event "release" is neither deployment nor incident' });
  });
});

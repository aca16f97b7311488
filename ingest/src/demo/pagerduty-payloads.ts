/** PagerDuty v3 webhook bodies (`{event: {...}}`) for an incident's lifecycle. */
import { instant } from './calendar.js';
import type { Person } from './org.js';
import type { IncidentRecord } from './records.js';

export type PagerDutyEventType = 'incident.triggered' | 'incident.acknowledged' | 'incident.resolved';

const STATUS_OF: Record<PagerDutyEventType, string> = {
  'incident.triggered': 'triggered',
  'incident.acknowledged': 'acknowledged',
  'incident.resolved': 'resolved',
};

const PRIORITY_IDS: Record<string, string> = { P1: 'PQ4P1ZZ', P2: 'PQ4P2ZZ', P3: 'PQ4P3ZZ', P4: 'PQ4P4ZZ' };

function userReference(person: Person): object {
  const id = `PU${person.id.toString(36).toUpperCase().slice(-5).padStart(5, '0')}`;
  return { html_url: `https://acme.pagerduty.com/users/${id}`, id, self: `https://api.pagerduty.com/users/${id}`, summary: person.name, type: 'user_reference' };
}

export function pagerDutyPayload(incident: IncidentRecord, eventType: PagerDutyEventType, eventId: string, at: number): object {
  const { service } = incident;
  const urgency = incident.priority === 'P1' || incident.priority === 'P2' ? 'high' : 'low';
  return {
    event: {
      id: eventId,
      event_type: eventType,
      resource_type: 'incident',
      occurred_at: instant(at),
      agent: eventType === 'incident.triggered'
        ? { html_url: `https://acme.pagerduty.com/services/${service.pagerdutyId}`, id: service.pagerdutyId, self: `https://api.pagerduty.com/services/${service.pagerdutyId}`, summary: service.name, type: 'service_reference' }
        : userReference(incident.responder),
      client: eventType === 'incident.triggered' ? { name: 'Datadog' } : null,
      data: {
        id: incident.pagerdutyId,
        type: 'incident',
        self: `https://api.pagerduty.com/incidents/${incident.pagerdutyId}`,
        html_url: `https://acme.pagerduty.com/incidents/${incident.pagerdutyId}`,
        number: incident.number,
        status: STATUS_OF[eventType],
        incident_key: incident.pagerdutyId.toLowerCase().padEnd(32, '0'),
        created_at: instant(incident.openedAt),
        title: incident.title,
        service: {
          html_url: `https://acme.pagerduty.com/service-directory/${service.pagerdutyId}`,
          id: service.pagerdutyId,
          self: `https://api.pagerduty.com/services/${service.pagerdutyId}`,
          summary: service.name,
          type: 'service_reference',
        },
        assignees: eventType === 'incident.resolved' ? [] : [userReference(incident.responder)],
        escalation_policy: { id: `PE${service.pagerdutyId.slice(1, 6)}`, summary: `${service.team.name} on-call`, type: 'escalation_policy_reference' },
        teams: [{ id: `PT${service.pagerdutyId.slice(2, 7)}`, summary: service.team.name, type: 'team_reference' }],
        priority: { id: PRIORITY_IDS[incident.priority], summary: incident.priority, type: 'priority_reference' },
        urgency,
        conference_bridge: null,
        resolve_reason: null,
      },
    },
  };
}

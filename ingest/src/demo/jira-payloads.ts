/**
 * Jira Service Management webhook bodies (`jira:issue_created`, `jira:issue_updated`) for the
 * incidents of the demo team that tracks them in Jira: the shape of Atlassian's documented example
 * (ingest/test/fixtures/jira) with what an incident of a Service Management project carries —
 * issue type `Incident`, project, status and its category, `statuscategorychangedate`,
 * `resolutiondate`, priority and the affected service as a component.
 */
import { instant } from './calendar.js';
import type { Person, ServiceModel } from './org.js';
import { hash128 } from './random.js';
import type { IncidentRecord, Priority } from './records.js';

export const JIRA_SITE = 'https://acme.atlassian.net';

/** Jira's project key of a team (`identity` → `IAM`). */
export function jiraProjectKey(team: string): string {
  const known: Record<string, string> = { identity: 'IAM', payments: 'PAY', checkout: 'CHK', platform: 'PLAT' };
  return known[team] ?? team.replace(/[^a-z]/gi, '').slice(0, 4).toUpperCase();
}

const PRIORITY: Record<Priority, { name: string; id: string }> = {
  P1: { name: 'Highest', id: '1' }, P2: { name: 'High', id: '2' }, P3: { name: 'Medium', id: '3' }, P4: { name: 'Low', id: '4' },
};

type Stage = 'created' | 'acknowledged' | 'resolved';
const STATUS: Record<Stage, { name: string; id: string; category: { id: number; key: string; name: string; colorName: string } }> = {
  created: { name: 'Open', id: '10100', category: { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' } },
  acknowledged: { name: 'Work in progress', id: '10101', category: { id: 4, key: 'indeterminate', name: 'In Progress', colorName: 'yellow' } },
  resolved: { name: 'Resolved', id: '10102', category: { id: 3, key: 'done', name: 'Done', colorName: 'green' } },
};

/** Jira writes times with milliseconds and a numeric offset: `2009-12-16T23:46:10.612-0600`. */
function jiraTime(ms: number): string {
  return `${instant(ms).slice(0, 23)}+0000`;
}

function accountId(person: Person): string {
  const [a, b] = hash128(`jira:${person.login}`);
  return `712020:${(a >>> 0).toString(16).padStart(8, '0')}-${(b >>> 0).toString(16).padStart(8, '0')}`;
}

function userObject(person: Person): object {
  const id = accountId(person);
  return {
    self: `${JIRA_SITE}/rest/api/2/user?accountId=${id}`, accountId: id, accountType: 'atlassian',
    displayName: person.name, active: true, timeZone: 'Etc/UTC',
  };
}

function componentObject(service: ServiceModel): object {
  const id = String(10_000 + (hash128(`component:${service.name}`)[0] % 90_000));
  return { self: `${JIRA_SITE}/rest/api/2/component/${id}`, id, name: service.name };
}

export interface JiraIncidentInput {
  incident: IncidentRecord;
  key: string;
  issueId: number;
  stage: Stage;
  at: number;
  /** The explicit deployment reference a responder wrote into the description, if any. */
  description: string;
}

export function jiraIssuePayload(input: JiraIncidentInput): object {
  const { incident, key, issueId, stage, at } = input;
  const project = key.split('-')[0] ?? 'IAM';
  const status = STATUS[stage];
  const statusChangedAt = stage === 'created' ? incident.openedAt : at;
  const priority = PRIORITY[incident.priority];
  const payload: Record<string, unknown> = {
    timestamp: at,
    webhookEvent: stage === 'created' ? 'jira:issue_created' : 'jira:issue_updated',
    issue_event_type_name: stage === 'created' ? 'issue_created' : 'issue_generic',
    user: userObject(incident.responder),
    issue: {
      id: String(issueId),
      self: `${JIRA_SITE}/rest/api/2/issue/${issueId}`,
      key,
      fields: {
        issuetype: { self: `${JIRA_SITE}/rest/api/2/issuetype/10008`, id: '10008', name: 'Incident', subtask: false, hierarchyLevel: 0 },
        project: { self: `${JIRA_SITE}/rest/api/2/project/${project}`, key: project, name: `${incident.service.team.name[0]?.toUpperCase() ?? ''}${incident.service.team.name.slice(1)} incidents`, projectTypeKey: 'service_desk' },
        summary: incident.title,
        description: input.description,
        created: jiraTime(incident.openedAt),
        updated: jiraTime(at),
        statuscategorychangedate: jiraTime(statusChangedAt),
        resolutiondate: stage === 'resolved' ? jiraTime(at) : null,
        resolution: stage === 'resolved' ? { self: `${JIRA_SITE}/rest/api/2/resolution/10000`, id: '10000', name: 'Done' } : null,
        priority: { self: `${JIRA_SITE}/rest/api/2/priority/${priority.id}`, name: priority.name, id: priority.id },
        status: { self: `${JIRA_SITE}/rest/api/2/status/${status.id}`, name: status.name, id: status.id, statusCategory: { self: `${JIRA_SITE}/rest/api/2/statuscategory/${status.category.id}`, ...status.category } },
        components: [componentObject(incident.service)],
        labels: incident.cause ? ['after-deployment'] : [],
        reporter: userObject(incident.responder),
        assignee: stage === 'created' ? null : userObject(incident.responder),
      },
    },
  };
  if (stage !== 'created') {
    const from = stage === 'acknowledged' ? STATUS.created : STATUS.acknowledged;
    payload.changelog = {
      id: String(issueId * 10 + (stage === 'acknowledged' ? 1 : 2)),
      items: [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: from.id, fromString: from.name, to: status.id, toString: status.name }],
    };
  }
  return payload;
}

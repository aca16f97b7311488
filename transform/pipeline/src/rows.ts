import type { DeadLetter, RawDeliveryRecord } from '@paved/ingest';
import type { CanonicalEvent } from '@paved/schemas';

export type Row = Record<string, unknown>;
export type TableRows = Map<string, Row[]>;

/** Largest epoch-ms we expect; `keep_first` = this − received time, so the first copy of a delivery wins. */
const KEEP_FIRST_BASE = 99_999_999_999_999;

function add(rows: TableRows, table: string, row: Row): void {
  const list = rows.get(table);
  if (list) list.push(row);
  else rows.set(table, [row]);
}

/** Maps one canonical event to the warehouse rows it becomes (one event may fill several tables). */
export function rowsOfEvent(event: CanonicalEvent, rows: TableRows): void {
  const eventId = event.id;
  switch (event.type) {
    case 'commit': {
      const c = event.data;
      add(rows, 'commits', {
        repo: c.repo, sha: c.sha, author_login: c.author.login, author_name: c.author.name, author_email: c.author.email, author_bot: c.author.bot,
        authored_at: c.authored_at, committed_at: c.committed_at, message: c.message, parents: c.parents, reverts_sha: c.reverts_sha, event_id: eventId,
      });
      // Only a known file list is stored: a later copy without files never hides an earlier one with them.
      if (c.files) add(rows, 'commit_files', { repo: c.repo, sha: c.sha, files: c.files, event_id: eventId });
      return;
    }
    case 'push': {
      const p = event.data;
      add(rows, 'pushes', { repo: p.repo, ref: p.ref, before: p.before, after: p.after, pushed_at: p.pushed_at, pusher_login: p.pusher.login, commits: p.commits, forced: p.forced, event_id: eventId });
      return;
    }
    case 'compare': {
      const c = event.data;
      add(rows, 'compares', { repo: c.repo, base: c.base, head: c.head, status: c.status, commits: c.commits, total_commits: c.total_commits, fetched_at: c.fetched_at, event_id: eventId });
      return;
    }
    case 'pull_request': {
      const pr = event.data;
      add(rows, 'pull_requests', {
        repo: pr.repo, number: pr.number, title: pr.title, author_login: pr.author.login, author_bot: pr.author.bot, labels: pr.labels, state: pr.state,
        base_ref: pr.base_ref, head_sha: pr.head_sha, merge_commit_sha: pr.merge_commit_sha, opened_at: pr.opened_at, first_commit_at: pr.first_commit_at,
        first_review_at: pr.first_review_at, approved_at: pr.approved_at, merged_at: pr.merged_at, closed_at: pr.closed_at, updated_at: pr.updated_at, event_id: eventId,
      });
      pr.commit_shas.forEach((sha, position) => add(rows, 'pull_request_commits', { repo: pr.repo, number: pr.number, sha, position }));
      return;
    }
    case 'review': {
      const r = event.data;
      add(rows, 'reviews', { repo: r.repo, pr_number: r.pr_number, id: r.id, reviewer_login: r.reviewer.login, reviewer_bot: r.reviewer.bot, state: r.state, submitted_at: r.submitted_at, event_id: eventId });
      return;
    }
    case 'deployment': {
      const d = event.data;
      add(rows, 'deployment_statuses', {
        id: d.id, repo: d.repo, service: d.service, path: d.path, environment: d.environment, sha: d.sha, ref: d.ref, status: d.status, started_at: d.started_at,
        finished_at: d.finished_at, status_at: d.status_at, creator_login: d.creator.login, creator_bot: d.creator.bot, workflow_name: d.workflow_name,
        source_system: d.source_system, url: d.url, event_id: eventId,
      });
      return;
    }
    case 'incident': {
      const i = event.data;
      add(rows, 'incident_updates', {
        id: i.id, source: i.source, service: i.service, repo: i.repo, severity: i.severity, title: i.title, status: i.status, opened_at: i.opened_at,
        acknowledged_at: i.acknowledged_at, resolved_at: i.resolved_at, linked_deployment_ids: i.linked_deployment_ids, linked_shas: i.linked_shas, url: i.url,
        updated_at: i.updated_at, event_id: eventId,
      });
      return;
    }
    case 'catalog_entity': {
      const e = event.data;
      add(rows, 'catalog_entities', {
        service: e.service, team: e.team, tier: e.tier, repo: e.repo, path: e.path, lifecycle: e.lifecycle, system: e.system, annotations: e.annotations,
        source_template: e.source_template, created_at: e.created_at, updated_at: e.updated_at, event_id: eventId,
      });
      return;
    }
    case 'adoption': {
      const a = event.data;
      add(rows, 'adoption_events', { id: a.id, kind: a.kind, service: a.service, team: a.team, template: a.template, occurred_at: a.occurred_at, detail: a.detail, event_id: eventId });
      return;
    }
    case 'survey_definition': {
      const s = event.data;
      add(rows, 'survey_definitions', { id: s.id, version: s.version, title: s.title, definition: JSON.stringify(s), event_id: eventId });
      return;
    }
    case 'survey_response': {
      const r = event.data;
      add(rows, 'survey_responses', {
        id: r.id, campaign_id: r.campaign_id, survey_id: r.survey_id, survey_version: r.survey_version, team: r.team, tenure: r.tenure, role: r.role,
        answers: r.answers, free_text: r.free_text, submitted_at: r.submitted_at,
      });
      return;
    }
  }
}

export function rowOfRawDelivery(raw: RawDeliveryRecord): Row {
  return { ...raw, keep_first: KEEP_FIRST_BASE - Date.parse(raw.received_at) };
}

export function rowOfDeadLetter(letter: DeadLetter, id: string): Row {
  return { id, ...letter, replayed_at: null };
}

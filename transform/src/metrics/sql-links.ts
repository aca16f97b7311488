import { sqlFragment, sqlModel } from './sql-files.js';

/**
 * Incident references (ingest/src/references.ts writes them; docs/metrics.md lists the forms) resolved
 * to production deployments: CTE `resolved_references (incident_id, ref, deployment_id)`. A reference
 * matches a deployment's Paved id, its source's own id (GitHub deployment id or Actions run id) with
 * or without the repository, or its recorded URL; otherwise, when it is a sha prefix of 7 to 40 hex
 * characters (optionally after owner/repo:), the latest production deployment of that commit at or
 * before the incident opened. The text is fragments/incident_references.sql.
 */
export const INCIDENT_REFERENCE_CTES = `\n${sqlFragment('incident_references')}`;

/**
 * Failure links, one row per piece of evidence (README, "Failed deployment"). Overrides set by a
 * person win: `reject` removes a link (incident_id '*' = every link of that deployment),
 * `confirm` adds one.
 */
export const REBUILD_FAILURE_LINKS = sqlModel('t_failure_links');

/** PR flow: coding (first commit → opened), pickup (→ first review by someone else, bots excluded), review (→ merge), deploy (→ first production deployment shipping it). */
export const REBUILD_PR_FLOW = sqlModel('t_pr_flow');

/** Change-set commits with their times and flags, the rows behind lead time and rework. */
export const REBUILD_CHANGES = sqlModel('t_changes');

/** Per production deployment: failure, recovery and rework, the rows behind CFR, recovery time and rework rate. */
export const REBUILD_DEPLOYMENT_FACTS = sqlModel('t_deployment_facts');

/** The DORA answer's rows per team, service and day (migration 0015), what the team and organisation statement reads. */
export const REBUILD_DORA_DAILY = sqlModel('t_dora_daily');

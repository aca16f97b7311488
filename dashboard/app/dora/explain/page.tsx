import { deployDaysText, METRIC_MEANINGS } from '@paved/schemas/glossary';
import { type DeploymentRow, type DoraResult, doraMetrics, type Explanation, explain, listFailureLinkOverrides, scopeOptions } from '@paved/transform';
import { redirect } from 'next/navigation';
import type { ReactNode } from 'react';
import { Filters } from '@/components/Filters';
import { icons } from '@/components/icons';
import { OverrideForm } from '@/components/OverrideForm';
import { Card, CsvLink, ExternalLink, Failure, LevelBadge, PageHeader } from '@/components/ui';
import { count, dateTime, decimal, hours, label, percent, plural, shortSha } from '@/lib/format';
import { deploymentHref, explainHref, isMetric, METRIC_NAMES, METRICS, type Metric } from '@/lib/keys';
import { attempt } from '@/lib/load';
import { describeWindow, first, href, type SearchParams, viewOf, windowParams } from '@/lib/period';
import { deploymentTime, incidentCandidates } from '@/lib/queries';
import { viewerIsAdmin } from '@/lib/request';
import { runtime } from '@/lib/runtime';
import { changeRequestLink, changeRequestRef, commitLink, deploymentSource, type RepoHosts, repoHosts, sourceLabel } from '@/lib/sources';
import { teamHref } from '@/lib/teams';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Explain a metric' };

// Rows shown in the page's tables; the CSV export has them all. Each row costs its HTML and again its
// share of the RSC payload: 300 commits and 200 deployments made a 1.27 MB page at large scale
// (lead-time drill-down p95 338 ms, issue 18), 100 of each is about a third of that.
const SHOWN_DEPLOYMENTS = 100;
const SHOWN_CHANGES = 100;

function headline(metric: Metric, r: DoraResult): string {
  switch (metric) {
    case 'deploymentFrequency':
      return r.deploymentFrequency.perWeek === null ? 'no data' : `${decimal(r.deploymentFrequency.perWeek)} / week`;
    case 'leadTime':
      return r.leadTime.p50Hours === null ? 'no data' : `p50 ${hours(r.leadTime.p50Hours)}`;
    case 'changeFailureRate':
      return percent(r.changeFailureRate.rate);
    case 'recovery':
      return r.recovery.failedDeploymentRecoveryP50Hours === null ? 'no data' : `p50 ${hours(r.recovery.failedDeploymentRecoveryP50Hours)}`;
    case 'reworkRate':
      return percent(r.reworkRate.rate);
  }
}

function levelOf(metric: Metric, r: DoraResult) {
  switch (metric) {
    case 'deploymentFrequency':
      return r.deploymentFrequency.level;
    case 'leadTime':
      return r.leadTime.level;
    case 'changeFailureRate':
      return r.changeFailureRate.level;
    case 'recovery':
      return r.recovery.level;
    case 'reworkRate':
      return undefined;
  }
}

function Lede({ metric, r, settings }: { metric: Metric; r: DoraResult; settings: { inferenceWindowHours: number; fixLabels: string[]; productionPattern: string } }): ReactNode {
  switch (metric) {
    case 'deploymentFrequency':
      return (
        <>
          {r.scope.service ? (
            <p className="explain-lede"><strong>{count(r.deploymentFrequency.deployments)}</strong> production deployments in the window, <strong>{decimal(r.deploymentFrequency.perWeek)}</strong> a week; it {deployDaysText(r.deploymentFrequency.deployDaysPerWeekP50)}.</p>
          ) : (
            <p className="explain-lede"><strong>{count(r.deploymentFrequency.deployments)}</strong> production deployments in the window over <strong>{count(r.deploymentFrequency.services)}</strong> services, <strong>{decimal(r.deploymentFrequency.perWeek)}</strong> a week in total. The median service deployed <strong>{decimal(r.deploymentFrequency.perServicePerWeekP50)}</strong> times a week, on <strong>{decimal(r.deploymentFrequency.deployDaysPerWeekP50)}</strong> days in its median week; the level is that service&apos;s (DORA measures frequency per service, so many slow services do not add up to a fast one).</p>
          )}
          <p className="how">A deployment counts when it succeeded in an environment matching <code>{settings.productionPattern}</code> (<code>metrics.productionPattern</code>).</p>
        </>
      );
    case 'leadTime':
      return (
        <>
          <p className="explain-lede">Half of the <strong>{count(r.leadTime.changes)}</strong> commits reached production within <strong>{hours(r.leadTime.p50Hours)}</strong>; p75 {hours(r.leadTime.p75Hours)}, p90 {hours(r.leadTime.p90Hours)}.</p>
          <p className="how">Lead time runs from a commit&apos;s authoring to the first production deployment that shipped it. Each deployment&apos;s change set is found by walking pushes back to the service&apos;s previous deployment (push chain), the compare API or the first push; a squash-merged PR counts its original commits. The column &ldquo;Found via&rdquo; says which.</p>
        </>
      );
    case 'changeFailureRate':
      return (
        <>
          <p className="explain-lede"><strong>{count(r.changeFailureRate.failedDeployments)}</strong> of <strong>{count(r.changeFailureRate.deployments)}</strong> production deployments failed: <strong>{percent(r.changeFailureRate.rate)}</strong>.</p>
          <p className="how">A deployment failed when an incident names it or one of its commits, a later deployment rolls it back or reverts one of its commits, or an incident opens on its service within {settings.inferenceWindowHours} h and before its next deployment (inferred). A person&apos;s override wins over all of these.</p>
        </>
      );
    case 'recovery':
      return (
        <>
          <p className="explain-lede">Failed deployments recovered in <strong>{hours(r.recovery.failedDeploymentRecoveryP50Hours)}</strong> at the median ({count(r.recovery.recoveredDeployments)} of {plural(r.recovery.failedDeployments, 'failed deployment')} recovered). This is the key with a level.</p>
          <p className="explain-lede" data-testid="time-to-restore">A different number, for context: <strong>time to restore service</strong>, how long incidents of any cause stayed open, was <strong>{hours(r.recovery.timeToRestoreP50Hours)}</strong> at the median over {plural(r.recovery.incidents, 'incident')} (no level).</p>
          <p className="how">Recovery runs from the failed deployment to the latest resolution of its linked incidents, or to the service&apos;s next deployment when no incident is linked. Time to restore runs from an incident opening to its resolution, whether or not a deployment caused it.</p>
        </>
      );
    case 'reworkRate':
      return (
        <>
          <p className="explain-lede"><strong>{count(r.reworkRate.reworkDeployments)}</strong> of <strong>{count(r.reworkRate.deployments)}</strong> deployments were unplanned work: <strong>{percent(r.reworkRate.rate)}</strong>.</p>
          <p className="how">A deployment is rework when it ships a PR labelled {settings.fixLabels.map((l, i) => <span key={l}>{i ? ', ' : ''}<code>{l}</code></span>)}, a revert commit, or rolls back to an earlier version.</p>
        </>
      );
  }
}

/** Which tool reported the deployment, linked to its page there (the job, the Actions run, the Argo CD application). */
function DeploymentSource({ d }: { d: DeploymentRow }) {
  const name = sourceLabel(deploymentSource(d.id));
  return d.url ? <ExternalLink href={d.url}>{name}</ExternalLink> : name;
}

function DeploymentsTable({ rows, metric, total }: { rows: DeploymentRow[]; metric: Metric; total?: number }) {
  const shown = rows.slice(0, SHOWN_DEPLOYMENTS);
  return (
    <>
      <div className="table-wrap scroll">
        <table>
          <caption className="visually-hidden">Deployments counted</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Team</th>
              <th scope="col">Source</th>
              <th scope="col">Commit</th>
              <th scope="col">Deployed (UTC)</th>
              <th scope="col">Change set</th>
              <th scope="col" className="num">Commits</th>
              <th scope="col">Failed</th>
              <th scope="col" className="num">Recovery</th>
              <th scope="col">Rework</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((d) => (
              <tr key={d.id} className={d.failed ? 'failed' : undefined}>
                <td className="name">
                  {d.service}
                  {d.golden_path ? <> <span className="tag golden" title="Golden-path service">GP</span></> : null}
                </td>
                <td><a href={teamHref(d.team)}>{d.team}</a></td>
                <td className="nowrap" data-source={deploymentSource(d.id)}><DeploymentSource d={d} /></td>
                <td className="mono"><a href={deploymentHref(d.id, d.deployed_at, metric)} title="Everything about this deployment">{shortSha(d.sha)}<span className="visually-hidden"> {d.service} deployment details</span></a></td>
                <td className="nowrap">{dateTime(d.deployed_at)}</td>
                <td>{label(d.change_set_method)}</td>
                <td className="num">{count(d.commits)}</td>
                <td>{d.failed ? <span className="tags">{d.failure_methods.map((m) => <span key={m} className="tag bad">{label(m)}</span>)}</span> : <span className="muted">no</span>}</td>
                <td className="num">{d.failed ? (d.recovery_hours === null ? <span className="muted">open</span> : hours(d.recovery_hours)) : <span className="muted">—</span>}</td>
                <td>{d.rework ? <span className="tags">{d.rework_reasons.map((r) => <span key={r} className="tag">{label(r)}</span>)}</span> : <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {total === undefined
        ? rows.length >= SHOWN_DEPLOYMENTS ? <p className="table-foot">Showing the newest {count(shown.length)}; the CSV has them all.</p> : null
        : total > shown.length ? <p className="table-foot">Showing the newest {count(shown.length)} of {count(total)}; the CSV has them all.</p> : null}
    </>
  );
}

function ChangesTable({ changes, deployments, hosts, total }: { changes: Explanation['changes']; deployments: Map<string, DeploymentRow>; hosts: RepoHosts; total?: number }) {
  const shown = changes.slice(0, SHOWN_CHANGES);
  return (
    <>
      <div className="table-wrap scroll">
        <table>
          <caption className="visually-hidden">Change-set commits</caption>
          <thead>
            <tr>
              <th scope="col">Commit</th>
              <th scope="col">Message</th>
              <th scope="col">Author</th>
              <th scope="col">Authored (UTC)</th>
              <th scope="col" className="num">Lead time</th>
              <th scope="col">Found via</th>
              <th scope="col">Deployment</th>
              <th scope="col">PR / MR</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => {
              const d = deployments.get(c.deployment_id);
              return (
                <tr key={`${c.deployment_id}:${c.sha}`}>
                  <td className="mono" data-sha={c.sha}><ExternalLink href={d ? commitLink(d.repo, c.sha, hosts) : null}>{shortSha(c.sha)}</ExternalLink></td>
                  <td className="wrap">
                    {c.message.split('\n')[0] || <span className="muted">(message unknown)</span>}
                    {c.is_revert ? <> <span className="tag bad">revert</span></> : null}
                    {c.fix_pr ? <> <span className="tag">fix PR</span></> : null}
                  </td>
                  <td>{c.author ?? <span className="muted">—</span>}</td>
                  <td className="nowrap">{dateTime(c.authored_at)}</td>
                  <td className="num">{c.lead_hours === null ? <span className="muted" title="Authoring time unknown, or a squash commit standing for its PR's originals">—</span> : hours(c.lead_hours)}</td>
                  <td><span className="tag">{label(c.via)}</span></td>
                  <td className="nowrap">{d ? <a href={deploymentHref(d.id, d.deployed_at)}>{d.service} {shortSha(d.sha)}</a> : c.deployment_id}</td>
                  <td>{c.pr_number && d ? <ExternalLink href={changeRequestLink(d.repo, c.pr_number, hosts)}>{changeRequestRef(d.repo, c.pr_number, hosts)}</ExternalLink> : <span className="muted">—</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {(total ?? changes.length) > shown.length ? <p className="table-foot">Showing {count(shown.length)} of {count(total ?? changes.length)} commits; the CSV has them all.</p> : null}
    </>
  );
}

export default async function Explain({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const metricParam = first(params.metric);
  const metric: Metric = isMetric(metricParam) ? metricParam : 'deploymentFrequency';
  const view = viewOf(params);
  const deploymentId = first(params.deployment);
  const saved = first(params.saved);
  const overrideError = first(params.error);
  const isAdmin = await viewerIsAdmin();

  const loaded = await attempt('the drill-down', async () => {
    const { warehouse, config } = runtime();
    const profile = view.profile ?? config.metrics.benchmarkProfile;
    const window = { from: view.from, to: view.to, team: view.team, service: view.service };
    // One deployment: every row about it, whatever the metric (a rejected failure is no longer "failed").
    const [explanation, result, options, overrides, candidates] = await Promise.all([
      explain(warehouse, window, deploymentId ? 'deploymentFrequency' : metric, { deploymentId, limit: SHOWN_DEPLOYMENTS }),
      doraMetrics(warehouse, { ...window, profile }, profile),
      scopeOptions(warehouse),
      listFailureLinkOverrides(warehouse, deploymentId),
      deploymentId ? incidentCandidates(warehouse, deploymentId) : Promise.resolve([]),
    ]);
    const located = deploymentId && explanation.deployments.length === 0 ? await deploymentTime(warehouse, deploymentId) : null;
    const hosts = await repoHosts(warehouse, config, explanation.deployments);
    return { explanation, result, options, overrides, candidates, located, config, hosts, defaultProfile: config.metrics.benchmarkProfile };
  });

  const crumb = (
    <>
      <a href={href('/dora', { ...windowParams(view), profile: view.profile })}>DORA explorer</a> <span aria-hidden="true">›</span>{' '}
      {deploymentId ? <><a href={explainHref(metric, { ...view })}>{METRIC_NAMES[metric]}</a> <span aria-hidden="true">›</span> Deployment</> : METRIC_NAMES[metric]}
    </>
  );
  if (!loaded.ok) return <><PageHeader title={METRIC_NAMES[metric]} breadcrumb={crumb} /><Failure what="the rows behind this metric" message={loaded.message} /></>;
  const { explanation, result, options, overrides, candidates, located, config, hosts, defaultProfile } = loaded.data;

  // A deployment link from elsewhere may carry a window that does not contain it: open its own day.
  if (deploymentId && explanation.deployments.length === 0 && located && !located.deployed_at.startsWith(view.from)) {
    redirect(deploymentHref(located.id, located.deployed_at, metric));
  }

  const returnTo = href('/dora/explain', { metric, ...windowParams(view), profile: view.profile, deployment: deploymentId });
  const byId = new Map(explanation.deployments.map((d) => [d.id, d]));
  const csvParams = { ...windowParams(view), metric, deployment: deploymentId };
  const scopeText = view.service ? `service ${view.service}` : view.team ? `team ${view.team}` : 'all teams';
  const level = levelOf(metric, result);
  const settings = { inferenceWindowHours: config.metrics.inferenceWindowHours, fixLabels: config.metrics.fixLabels, productionPattern: config.metrics.productionPattern };
  const totalCounted = metric === 'changeFailureRate' || metric === 'recovery' ? result.changeFailureRate.failedDeployments : metric === 'reworkRate' ? result.reworkRate.reworkDeployments : result.deploymentFrequency.deployments;

  const flash = saved ? (
    <div className="banner good" role="status">
      {icons.check}
      <span>Override saved and the metrics recomputed{saved === 'reject' ? ': the link is removed' : saved === 'confirm' ? ': the link is confirmed' : ''}. Change failure rate for {scopeText}, {describeWindow(view.from, view.to)}, is now <strong>{percent(result.changeFailureRate.rate)}</strong> ({result.changeFailureRate.failedDeployments}/{result.changeFailureRate.deployments}).</span>
    </div>
  ) : overrideError ? (
    <div className="banner bad" role="alert">{icons.alert}<span>The override was not saved: {overrideError}</span></div>
  ) : null;

  const linksCard = (
    <Card
      id="failure-links"
      title="Failure links"
      hint="Why each deployment counts as failed: one row per piece of evidence."
      actions={<CsvLink table="failure-links" params={csvParams} />}
    >
      {explanation.failureLinks.length === 0 ? (
        <p className="empty-inline">No failure links{deploymentId ? ' for this deployment' : ' in this window'}.</p>
      ) : (
        <div className="table-wrap scroll">
          <table>
            <caption className="visually-hidden">Failure links with method and evidence</caption>
            <thead>
              <tr>
                <th scope="col">Deployment</th>
                <th scope="col">Method</th>
                <th scope="col">Incident or later deployment</th>
                <th scope="col">Evidence</th>
                {isAdmin ? <th scope="col">Override</th> : null}
              </tr>
            </thead>
            <tbody>
              {[...explanation.failureLinks].sort((a, b) => (byId.get(b.deployment_id)?.deployed_at ?? '').localeCompare(byId.get(a.deployment_id)?.deployed_at ?? '')).map((link, i) => {
                const d = byId.get(link.deployment_id);
                const incident = explanation.incidents.find((inc) => inc.id === link.incident_id);
                return (
                  <tr key={`${link.deployment_id}:${link.method}:${link.incident_id ?? link.other_deployment_id ?? i}`}>
                    <td className="nowrap">{d ? <a href={deploymentHref(d.id, d.deployed_at, metric)}>{d.service} {shortSha(d.sha)}</a> : link.deployment_id}</td>
                    <td><span className={`tag ${link.method === 'override' ? 'good' : 'bad'}`}>{label(link.method)}</span></td>
                    <td className="wrap" style={{ minWidth: 160 }}>
                      {link.incident_id ? (incident ? <ExternalLink href={incident.url}>{incident.title}</ExternalLink> : link.incident_id) : null}
                      {link.incident_id ? <div className="muted mono" style={{ fontSize: 11.5 }}>{link.incident_id}</div> : null}
                      {link.other_deployment_id ? <span className="mono" style={{ fontSize: 12 }}>{link.other_deployment_id}</span> : null}
                    </td>
                    <td className="wrap">{link.evidence}</td>
                    {isAdmin ? (
                      <td>
                        {link.method === 'override' ? (
                          <OverrideForm deploymentId={link.deployment_id} incidentId={link.incident_id ?? '*'} returnTo={returnTo} verdict="reject" text="Remove link" title="Undo the confirmation: this deployment did not cause this incident. The metrics are recomputed at once." danger />
                        ) : link.incident_id ? (
                          <OverrideForm deploymentId={link.deployment_id} incidentId={link.incident_id} returnTo={returnTo} verdict="reject" text="Not caused by this" title="This deployment did not cause this incident: the link is removed and the metrics recomputed at once. Other evidence (rollbacks, reverts) still counts." danger />
                        ) : (
                          <div className="inline-form">
                            <OverrideForm deploymentId={link.deployment_id} incidentId={`method:${link.method}`} returnTo={returnTo} verdict="reject" text={`Not a ${link.method}`} title={`The ${link.method} evidence is wrong: every ${link.method} link of this deployment is removed and the metrics recomputed at once. Other evidence (incidents) still counts.`} danger />
                            <OverrideForm deploymentId={link.deployment_id} incidentId="*" returnTo={returnTo} verdict="reject" text="Not a failure" title="This deployment did not fail: every failure link of it is removed (rollbacks and reverts included) and the metrics recomputed at once." danger />
                          </div>
                        )}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {!isAdmin ? <p className="table-foot">{icons.lock} Sign in as an admin to correct failure links.</p> : null}
    </Card>
  );

  const incidentsCard = (
    <Card id="incidents" title="Incidents" hint={metric === 'recovery' && !deploymentId ? 'Opened in the window, with time to restore.' : 'Linked to the deployments above.'} actions={<CsvLink table="incidents" params={csvParams} />}>
      {explanation.incidents.length === 0 ? (
        <p className="empty-inline">No incidents{deploymentId ? ' linked to this deployment' : ''}.</p>
      ) : (
        <div className="table-wrap scroll">
          <table>
            <caption className="visually-hidden">Incidents</caption>
            <thead>
              <tr>
                <th scope="col">Incident</th>
                <th scope="col">Service</th>
                <th scope="col">Severity</th>
                <th scope="col">Opened (UTC)</th>
                <th scope="col">Resolved (UTC)</th>
                <th scope="col" className="num">Time to restore</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {explanation.incidents.map((incident) => (
                <tr key={incident.id}>
                  <td className="wrap">
                    <ExternalLink href={incident.url}>{incident.title}</ExternalLink>
                    <div className="muted mono" style={{ fontSize: 11.5 }}>{incident.id} · {sourceLabel(incident.source)}</div>
                  </td>
                  <td>{incident.service === 'unknown' ? <span className="tag bad" title="Not mapped to a service">unmapped</span> : incident.service}</td>
                  <td>{incident.severity}</td>
                  <td className="nowrap">{dateTime(incident.opened_at)}</td>
                  <td className="nowrap">{incident.resolved_at ? dateTime(incident.resolved_at) : <span className="muted">open</span>}</td>
                  <td className="num">{hours(incident.restore_hours)}</td>
                  <td>{incident.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );

  if (deploymentId) {
    const d = explanation.deployments[0];
    const header = (
      <PageHeader
        breadcrumb={crumb}
        title={d ? <>Deployment of {d.service} <span className="mono" style={{ fontSize: 18 }}>{shortSha(d.sha)}</span></> : 'Deployment not found'}
        subtitle={d ? <>{dateTime(d.deployed_at)} UTC · <a href={teamHref(d.team)}>{d.team}</a>{d.golden_path ? ' · golden path' : ''}</> : <>No production deployment <code>{deploymentId}</code> in {describeWindow(view.from, view.to)}.</>}
        actions={<a className="button small" href={explainHref(metric, { from: view.from, to: view.to })}>All deployments that day</a>}
      />
    );
    if (!d) return <>{header}<div className="empty compact"><h3>Nothing to show</h3><p>The deployment may not be a successful production deployment, or the id is mistyped. Open it from the <a href="/dora">DORA explorer</a>.</p></div></>;
    return (
      <>
        {header}
        {flash}
        <div className="grid two">
          <Card title="What Paved knows">
            <dl className="kv">
              <dt>Status</dt>
              <dd>{d.failed ? <span className="tags">{d.failure_methods.map((m) => <span key={m} className="tag bad">failed: {label(m)}</span>)}</span> : <span className="tag good">succeeded</span>}</dd>
              <dt>Recovery</dt>
              <dd>{d.failed ? (d.recovery_hours === null ? 'not recovered yet' : hours(d.recovery_hours)) : '—'}</dd>
              <dt>Rework</dt>
              <dd>{d.rework ? d.rework_reasons.map(label).join(', ') : 'no'}</dd>
              <dt>Repository</dt>
              <dd><ExternalLink href={commitLink(d.repo, d.sha, hosts)}>{d.repo}@{shortSha(d.sha)}</ExternalLink></dd>
              <dt>Reported by</dt>
              <dd><DeploymentSource d={d} /></dd>
              <dt>Change set</dt>
              <dd>{plural(d.commits, 'commit')} via {label(d.change_set_method)}</dd>
              <dt>Deployed by</dt>
              <dd>{d.creator_login ?? '—'}{d.workflow_name ? ` (${d.workflow_name})` : ''}</dd>
              <dt>Id</dt>
              <dd className="mono">{d.id}</dd>
            </dl>
          </Card>
          <Card title="Link an incident to this deployment" hint="When inference missed it: the deployment then counts as failed.">
            {isAdmin ? (
              <form method="post" action="/api/admin/overrides" className="stack-form">
                <input type="hidden" name="deploymentId" value={d.id} />
                <input type="hidden" name="verdict" value="confirm" />
                <input type="hidden" name="returnTo" value={returnTo} />
                {/* biome-ignore lint/a11y/noLabelWithoutControl: the control is inside, a select or a text input depending on the candidates. */}
                <label className="field">
                  <span>Incident</span>
                  {candidates.length ? (
                    <select name="incidentId" required defaultValue="">
                      <option value="" disabled>Choose one opened within 7 days…</option>
                      {candidates.map((c) => (
                        <option key={c.id} value={c.id}>{dateTime(c.opened_at)} · {c.severity} · {c.title.slice(0, 60)}</option>
                      ))}
                    </select>
                  ) : (
                    <input type="text" name="incidentId" required placeholder="Incident id, e.g. pagerduty:Q1ABC" />
                  )}
                </label>
                <label className="field">
                  <span>Note</span>
                  <input type="text" name="note" maxLength={500} placeholder="Why (optional)" />
                </label>
                <button className="button primary" type="submit">Confirm link</button>
              </form>
            ) : (
              <p className="muted">{icons.lock} Sign in as an admin to link incidents.</p>
            )}
            {candidates.length === 0 && isAdmin ? <p className="table-foot">No incident of {d.service} opened in the 7 days after this deployment.</p> : null}
          </Card>
        </div>
        <div style={{ marginTop: 16 }}>{linksCard}</div>
        <div style={{ marginTop: 16 }}>
          <Card id="changes" title={`Change set: ${plural(explanation.changes.length, 'commit')}`} hint="Each commit's lead time and how Paved found it." actions={<CsvLink table="changes" params={csvParams} />}>
            {explanation.changes.length ? <ChangesTable changes={explanation.changes} deployments={byId} hosts={hosts} /> : <p className="empty-inline">No commits: a redeploy or rollback of code already in production{d.change_set_method === 'unknown' ? ', or history Paved has not seen (run a backfill)' : ''}.</p>}
          </Card>
        </div>
        <div style={{ marginTop: 16 }}>{incidentsCard}</div>
        {overrides.length ? (
          <div style={{ marginTop: 16 }}>
            <Card title="Overrides" hint="Set by people; the newest verdict per incident wins.">
              <div className="table-wrap">
                <table>
                  <thead><tr><th scope="col">Incident</th><th scope="col">Verdict</th><th scope="col">Note</th><th scope="col">By</th><th scope="col">When (UTC)</th></tr></thead>
                  <tbody>
                    {overrides.map((o) => (
                      <tr key={`${o.incident_id}:${o.set_at}`}>
                        <td className="mono">{o.incident_id === '*' ? 'every link' : o.incident_id.startsWith('method:') ? `the ${o.incident_id.slice(7)} link` : o.incident_id}</td>
                        <td><span className={`tag ${o.verdict === 'confirm' ? 'good' : 'bad'}`}>{o.verdict}</span></td>
                        <td>{o.note || <span className="muted">—</span>}</td>
                        <td>{o.set_by}</td>
                        <td className="nowrap">{dateTime(o.set_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Card>
          </div>
        ) : null}
      </>
    );
  }

  const tabs = (
    <nav className="tabs" aria-label="Metric">
      {METRICS.map((m) => (
        <a key={m} href={explainHref(m, view)} aria-current={m === metric ? 'page' : undefined}>{METRIC_NAMES[m]}</a>
      ))}
    </nav>
  );
  const showChanges = metric === 'leadTime' || metric === 'reworkRate';
  const deploymentsSection = (
    <>
      <Card
        id="deployments"
        title={metric === 'changeFailureRate' ? 'Failed deployments' : metric === 'recovery' ? 'Failed deployments and their recovery' : metric === 'reworkRate' ? 'Rework deployments' : metric === 'leadTime' ? 'Deployments that shipped commits' : 'Deployments counted'}
        hint={metric === 'leadTime' ? `Of ${count(totalCounted)} in the window: redeploys without commits add no lead time` : `${count(totalCounted)} in the window`}
        actions={<CsvLink table="deployments" params={csvParams} />}
      >
        {explanation.deployments.length === 0 ? <p className="empty-inline">None in this window.</p> : <DeploymentsTable rows={explanation.deployments} metric={metric} total={metric === 'leadTime' ? undefined : totalCounted} />}
      </Card>
    </>
  );
  const changesSection = showChanges ? (
    <div style={{ marginTop: metric === 'leadTime' ? 0 : 16 }}>
      <Card id="changes" title="Change-set commits" hint={metric === 'leadTime' ? 'Each commit with its lead time and how it was found.' : 'The commits those deployments shipped (reverts and fix PRs marked).'} actions={<CsvLink table="changes" params={csvParams} />}>
        {explanation.changes.length === 0 ? <p className="empty-inline">No commits found for these deployments.</p> : <ChangesTable changes={explanation.changes} deployments={byId} hosts={hosts} total={metric === 'leadTime' ? result.leadTime.changes : undefined} />}
      </Card>
    </div>
  ) : null;

  const showLinks = metric === 'changeFailureRate' || metric === 'recovery';
  const relevantOverrides = overrides.filter((o) => byId.has(o.deployment_id));

  return (
    <>
      <PageHeader
        breadcrumb={crumb}
        title={<>{METRIC_NAMES[metric]}: {headline(metric, result)} {level !== undefined ? <LevelBadge level={level} profile={result.profile} /> : null}</>}
        subtitle={<>The rows behind the number for {scopeText}, {describeWindow(view.from, view.to)}.</>}
        actions={<a className="button small" href={href('/api/v1/metrics/dora/explain', { metric, ...windowParams(view) })}>JSON</a>}
      />
      {flash}
      <Filters view={view} teams={options.teams} services={options.services} fields={['team', 'service', 'profile']} keep={{ metric }} defaultProfile={defaultProfile} />
      {tabs}
      {result.deploymentFrequency.deployments === 0 ? (
        <div className="empty compact" style={{ marginBottom: 16 }}>
          <h3>No production deployments for {scopeText} in {describeWindow(view.from, view.to)}</h3>
          <p>Try a longer time range or clear the filters. If Paved has no deployments at all yet, the <a href="/">Overview</a> says how to connect GitHub.</p>
        </div>
      ) : (
        <div className="card" style={{ marginBottom: 16 }}>
          <p className="metric-meaning" data-testid="metric-meaning"><strong>What it measures:</strong> {METRIC_MEANINGS[metric].measures} {METRIC_MEANINGS[metric].direction}</p>
          <Lede metric={metric} r={result} settings={settings} />
        </div>
      )}

      {metric === 'leadTime' ? <>{changesSection}<div style={{ marginTop: 16 }}>{deploymentsSection}</div></> : <>{deploymentsSection}{changesSection}</>}
      {showLinks ? <div style={{ marginTop: 16 }}>{linksCard}</div> : null}
      {showLinks ? <div style={{ marginTop: 16 }}>{incidentsCard}</div> : null}
      {showLinks && relevantOverrides.length ? (
        <p className="footer-note">{plural(relevantOverrides.length, 'override')} by people apply to deployments in this window; open a deployment to see them.</p>
      ) : null}
    </>
  );
}

import { type IncidentWithLinks, incidentFilterOptions, incidentsInWindow, scopeOptions } from '@paved/transform';
import { Filters } from '@/components/Filters';
import { icons } from '@/components/icons';
import { OverrideForm } from '@/components/OverrideForm';
import { Card, Empty, ExternalLink, Failure, PageHeader } from '@/components/ui';
import { count, dateTime, hours, label, plural, shortSha } from '@/lib/format';
import { deploymentHref } from '@/lib/keys';
import { attempt } from '@/lib/load';
import { describeWindow, first, href, type SearchParams, viewOf, viewParams } from '@/lib/period';
import { viewerIsAdmin } from '@/lib/request';
import { runtime } from '@/lib/runtime';
import { sourceLabel } from '@/lib/sources';
import { teamHref } from '@/lib/teams';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Incidents' };

const SHOWN = 500;

function IncidentCell({ incident, rowSpan }: { incident: IncidentWithLinks; rowSpan?: number }) {
  return (
    <td className="wrap" style={{ minWidth: 200 }} rowSpan={rowSpan}>
      <ExternalLink href={incident.url}>{incident.title}</ExternalLink>
      <div className="muted mono" style={{ fontSize: 11.5 }}>{incident.id} · {sourceLabel(incident.source)}</div>
      <div style={{ fontSize: 12.5, marginTop: 2 }}>
        <strong>{incident.severity}</strong> · opened {dateTime(incident.openedAt)} UTC · {incident.resolvedAt ? <>restored in {hours(incident.restoreHours)}</> : <span className="muted">still open</span>}
      </div>
    </td>
  );
}

function ServiceCell({ incident, view, rowSpan }: { incident: IncidentWithLinks; view: ReturnType<typeof viewOf>; rowSpan?: number }) {
  return (
    <td rowSpan={rowSpan}>
      {incident.service === 'unknown' ? <span className="tag bad" title="Not mapped to a service">unmapped</span> : incident.service}
      {incident.team && incident.team !== 'unassigned' && incident.service !== 'unknown' ? <div style={{ fontSize: 12 }}><a href={teamHref(incident.team, view)}>{incident.team}</a></div> : null}
    </td>
  );
}

export default async function IncidentsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const view = viewOf(params);
  const severity = first(params.severity);
  const source = first(params.source);
  const saved = first(params.saved);
  const overrideError = first(params.error);
  const isAdmin = await viewerIsAdmin();

  const loaded = await attempt('incidents', async () => {
    const { warehouse, config } = runtime();
    const [result, options, scope] = await Promise.all([
      incidentsInWindow(warehouse, { from: view.from, to: view.to, team: view.team, service: view.service, severity, source }, {
        limit: SHOWN, inferenceWindowHours: config.metrics.inferenceWindowHours, inferIncidentLinks: config.metrics.inferIncidentLinks,
      }),
      incidentFilterOptions(warehouse),
      scopeOptions(warehouse),
    ]);
    return { result, options, scope, defaultProfile: config.metrics.benchmarkProfile };
  });

  const scopeText = [view.service ? `service ${view.service}` : view.team ? `team ${view.team}` : 'all teams', severity ? `severity ${severity}` : '', source ? `from ${sourceLabel(source)}` : ''].filter(Boolean).join(', ');
  const header = (
    <PageHeader
      title="Incidents"
      subtitle={<>Incidents <strong>opened</strong> in {describeWindow(view.from, view.to)} (by the date they opened, whenever their deployment was), for {scopeText}: the deployments that caused them, how Paved knows, and the ones linked to nothing.</>}
    />
  );
  if (!loaded.ok) return <>{header}<Failure what="incidents" message={loaded.message} /></>;
  const { result, options, scope, defaultProfile } = loaded.data;
  const returnTo = href('/incidents', { ...viewParams(view), severity, source });
  const s = result.summary;

  const flash = saved ? (
    <div className="banner good" role="status">
      {icons.check}
      <span>Override saved and the metrics recomputed{saved === 'reject' ? ': the link is removed' : saved === 'confirm' ? ': the link is confirmed' : ''}. The lists below are the new state.</span>
    </div>
  ) : overrideError ? (
    <div className="banner bad" role="alert">{icons.alert}<span>The override was not saved: {overrideError}</span></div>
  ) : null;

  const moreFilters = (
    <form className="filters" method="get" action="/incidents" aria-label="Severity and source">
      {Object.entries(viewParams(view)).map(([key, value]) => <input key={key} type="hidden" name={key} value={value} />)}
      <label className="field">
        <span>Severity</span>
        <select name="severity" defaultValue={severity ?? ''}>
          <option value="">All severities</option>
          {options.severities.map((v) => <option key={v} value={v}>{v}</option>)}
        </select>
      </label>
      <label className="field">
        <span>Source</span>
        <select name="source" defaultValue={source ?? ''}>
          <option value="">All sources</option>
          {options.sources.map((v) => <option key={v} value={v}>{sourceLabel(v)}</option>)}
        </select>
      </label>
      <button className="button" type="submit">Apply</button>
      {severity || source ? <a className="button small" href={href('/incidents', viewParams(view))}>Clear</a> : null}
    </form>
  );

  return (
    <>
      {header}
      {flash}
      <Filters view={view} teams={scope.teams} services={scope.services} fields={['team', 'service']} keep={{ ...(severity ? { severity } : {}), ...(source ? { source } : {}) }} defaultProfile={defaultProfile} />
      {moreFilters}
      {s.incidents === 0 ? (
        <Empty title={`No incidents opened in ${describeWindow(view.from, view.to)} for ${scopeText}`} compact>
          <p>Try a longer time range or clear the filters. Incidents arrive from PagerDuty, Opsgenie, Jira Service Management, GitHub or GitLab issues labelled <code>incident</code> (GitLab incidents too) or the generic webhook.</p>
        </Empty>
      ) : (
        <>
          <div className="stats" aria-label="Incidents in the window" id="incident-summary">
            <div className="stat">
              <div className="stat-label">Incidents opened</div>
              <div className="stat-value">{count(s.incidents)}</div>
              <div className="stat-note">by the date they opened</div>
            </div>
            <div className="stat">
              <div className="stat-label">Linked to a deployment</div>
              <div className="stat-value">{count(s.linked)}</div>
              <div className="stat-note">{count(s.inferenceOnlyIncidents)} of them by timing alone</div>
            </div>
            <div className="stat">
              <div className="stat-label">Linked to nothing</div>
              <div className="stat-value">{count(s.unlinked)}</div>
              <div className="stat-note"><a href="#unlinked">listed below</a> with the reason</div>
            </div>
            <div className="stat" data-testid="inference-only">
              <div className="stat-label">Failures on inference alone</div>
              <div className="stat-value">{count(s.inferenceOnlyDeployments)} <small>of {count(s.linkedDeployments)}</small></div>
              <div className="stat-note">failed deployments behind these incidents with no other evidence than an incident opening within {result.inferenceWindowHours} h</div>
            </div>
          </div>
          <p className="footer-note" style={{ marginTop: 0 }}>
            Of the {plural(s.windowFailedDeployments, 'failed deployment')} <em>deployed</em> in this window (the change failure rate&apos;s rows{view.team || view.service ? `, ${view.service ?? view.team}` : ''}),{' '}
            <strong>{count(s.windowInferenceOnly)}</strong> rest on timing inference alone: no incident named them and no rollback or revert followed. Confirm or reject those links below.
          </p>

          <Card id="linked" title={`Incidents and the deployments that caused them (${count(s.linked)})`} hint="Newest first. One line per piece of evidence: named by the incident, inferred from timing, or confirmed by a person.">
            {result.linked.length === 0 ? <p className="empty-inline">No incident in this window is linked to a deployment.</p> : (
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">Incidents opened in the window with their linked deployments, method and evidence</caption>
                  <thead>
                    <tr>
                      <th scope="col">Incident</th>
                      <th scope="col">Service</th>
                      <th scope="col">Deployment</th>
                      <th scope="col">Method and evidence</th>
                      {isAdmin ? <th scope="col">Override</th> : null}
                    </tr>
                  </thead>
                  <tbody>
                    {result.linked.flatMap((incident) => incident.links.map((link, i) => (
                      <tr key={`${incident.id}:${link.deploymentId}:${link.method}`} data-incident={incident.id} data-severity={incident.severity} data-source={incident.source} data-opened={incident.openedAt} data-deployed={link.deployedAt} data-method={link.method}>
                        {i === 0 ? (
                          <>
                            <IncidentCell incident={incident} rowSpan={incident.links.length} />
                            <ServiceCell incident={incident} view={view} rowSpan={incident.links.length} />
                          </>
                        ) : null}
                        <td className="nowrap">
                          <a href={deploymentHref(link.deploymentId, link.deployedAt, 'changeFailureRate')}>{link.service} {shortSha(link.sha)}</a>
                          <div className="muted" style={{ fontSize: 12 }}>deployed {dateTime(link.deployedAt)}</div>
                        </td>
                        <td className="wrap evidence" style={{ minWidth: 240 }}>
                          <span className={`tag ${link.method === 'override' ? 'good' : link.method === 'inferred' ? '' : 'bad'}`}>{label(link.method)}</span>
                          {link.inferenceOnly ? <> <span className="tag" title="The deployment counts as failed on this timing alone">inference only</span></> : null}
                          <div style={{ fontSize: 12.5, marginTop: 3 }}>{link.evidence}</div>
                        </td>
                        {isAdmin ? (
                          <td>
                            {link.method === 'override' ? (
                              <OverrideForm deploymentId={link.deploymentId} incidentId={incident.id} returnTo={returnTo} verdict="reject" text="Remove link" title="Undo the confirmation: this deployment did not cause this incident. The metrics are recomputed at once." danger />
                            ) : (
                              <div className="inline-form">
                                {link.method === 'inferred' ? <OverrideForm deploymentId={link.deploymentId} incidentId={incident.id} returnTo={returnTo} verdict="confirm" text="Confirm" title="This deployment did cause this incident: the link no longer rests on timing alone. The metrics are recomputed at once." /> : null}
                                <OverrideForm deploymentId={link.deploymentId} incidentId={incident.id} returnTo={returnTo} verdict="reject" text="Not caused by this" title="This deployment did not cause this incident: the link is removed and the metrics recomputed at once. Other evidence (rollbacks, reverts) still counts." danger />
                              </div>
                            )}
                          </td>
                        ) : null}
                      </tr>
                    )))}
                  </tbody>
                </table>
              </div>
            )}
            {!isAdmin ? <p className="table-foot">{icons.lock} Sign in as an admin to confirm or reject links.</p> : null}
          </Card>

          <div style={{ marginTop: 16 }}>
            <Card id="unlinked" title={`Linked to no deployment (${count(s.unlinked)})`} hint="Incidents that count in time to restore but in no deployment's failure. Each says why; link one to the deployment that caused it when you know.">
              {result.unlinked.length === 0 ? <p className="empty-inline">Every incident in this window is linked to a deployment.</p> : (
                <div className="table-wrap">
                  <table>
                    <caption className="visually-hidden">Incidents opened in the window linked to no deployment, with the reason</caption>
                    <thead>
                      <tr>
                        <th scope="col">Incident</th>
                        <th scope="col">Service</th>
                        <th scope="col">Why unlinked</th>
                        {isAdmin ? <th scope="col">Link a deployment</th> : null}
                      </tr>
                    </thead>
                    <tbody>
                      {result.unlinked.map((incident) => (
                        <tr key={incident.id} data-incident={incident.id} data-severity={incident.severity} data-source={incident.source} data-opened={incident.openedAt} data-reason={incident.unlinkedReason ?? undefined}>
                          <IncidentCell incident={incident} />
                          <ServiceCell incident={incident} view={view} />
                          <td className="wrap why" style={{ minWidth: 220 }}>{incident.unlinkedExplanation}</td>
                          {isAdmin ? (
                            <td style={{ minWidth: 220 }}>
                              <form method="post" action="/api/admin/overrides" className="stack-form">
                                <input type="hidden" name="incidentId" value={incident.id} />
                                <input type="hidden" name="verdict" value="confirm" />
                                <input type="hidden" name="returnTo" value={returnTo} />
                                {incident.candidates.length ? (
                                  <label className="field">
                                    <span className="visually-hidden">Deployment that caused {incident.id}</span>
                                    <select name="deploymentId" required defaultValue="">
                                      <option value="" disabled>Choose a deployment…</option>
                                      {incident.candidates.map((c) => <option key={c.deploymentId} value={c.deploymentId}>{c.service} {shortSha(c.sha)} · {hours(c.hoursBefore)} before</option>)}
                                    </select>
                                  </label>
                                ) : (
                                  <label className="field">
                                    <span className="visually-hidden">Deployment id that caused {incident.id}</span>
                                    <input type="text" name="deploymentId" required placeholder="Deployment id" />
                                  </label>
                                )}
                                <button className="button small" type="submit">Confirm link</button>
                              </form>
                            </td>
                          ) : null}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </Card>
          </div>
          {result.truncated ? <p className="table-foot">Showing the newest {count(SHOWN)} of {count(s.incidents)} incidents; narrow the window or filter to see the rest.</p> : null}
          <p className="footer-note">
            A deployment failed when an incident names it or one of its commits (named by incident), a later deployment rolls it back or reverts its commits, or an incident opens on its service within {result.inferenceWindowHours} h and before its next deployment (inferred from incident timing). A person&apos;s override wins over all of these.
          </p>
        </>
      )}
    </>
  );
}

import { sources } from '@paved/ingest';
import { changeSetAttributionHealth, dataHealth, sourceHealth } from '@paved/transform';
import { z } from 'zod';
import { icons } from '@/components/icons';
import { Card, ConnectSources, Failure, Meter, PageHeader } from '@/components/ui';
import { ago, count, dateTime, parseUtc, percent, plural } from '@/lib/format';
import { attempt } from '@/lib/load';
import { first, type SearchParams } from '@/lib/period';
import { warehouseCounts } from '@/lib/queries';
import { originOf, viewerIsAdmin } from '@/lib/request';
import { runtime } from '@/lib/runtime';
import { sourceLabel } from '@/lib/sources';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Data health' };

const STALE_HOURS = 24;

/** The transform records its steps as JSON; anything else is shown as text. */
const Steps = z.array(z.object({ label: z.string(), ms: z.number() }));
function stepsOf(detail: string): z.infer<typeof Steps> | null {
  try {
    const parsed = Steps.safeParse(JSON.parse(detail));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Each source plugin's Data health rows (ingest/src/sources): a route whose secret is set but that has received nothing yet. */
const KNOWN_SOURCES = sources.healthRows();

function StatusTile({ title, ok, children }: { title: string; ok: boolean; children: React.ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-label"><span className={`dot ${ok ? 'ok' : 'bad'}`} aria-hidden="true" />{title}</div>
      <div className="stat-value" style={{ fontSize: 16 }}>{ok ? 'Healthy' : 'Needs attention'}</div>
      <div className="stat-note">{children}</div>
    </div>
  );
}

export default async function DataHealth({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const admin = await viewerIsAdmin();
  const origin = await originOf();
  const replayed = first(params.replayed);
  const replayError = first(params.error);
  const loaded = await attempt('data health', async () => {
    const rt = runtime();
    const { warehouse, health, env } = rt;
    const [report, status, counts, attribution, perSource] = await Promise.all([dataHealth(warehouse), health(), warehouseCounts(warehouse), changeSetAttributionHealth(warehouse), sourceHealth(warehouse)]);
    // Only whether a secret is set, never its value.
    const secretsSet = Object.fromEntries(KNOWN_SOURCES.map((s) => [s.secret, Boolean((env as Record<string, unknown>)[s.secret])]));
    return { report, status, counts, attribution, perSource, secretsSet, canReplay: Boolean((rt as { bus?: unknown }).bus) };
  });
  const header = <PageHeader title="Data health" subtitle="What arrived, what was rejected, and whether the numbers are complete." actions={<a className="button small" href="/api/health">Health JSON</a>} />;
  if (!loaded.ok) {
    return (
      <>
        {header}
        <Failure what="data health" message={loaded.message} />
      </>
    );
  }
  const { report, status, counts, attribution, perSource, secretsSet, canReplay } = loaded.data;
  const gitlabPushes = perSource.gitlabPushes;
  const cov = report.coverage;
  const now = Date.now();
  const seen = new Set(perSource.sources.map((s) => s.origin));
  const waiting = KNOWN_SOURCES.filter((s) => !seen.has(s.source) && secretsSet[s.secret]);

  return (
    <>
      {header}
      <div className="stats" aria-label="Service health">
        <StatusTile title="Warehouse" ok={status.warehouse.ok}>{status.warehouse.mode} · {status.warehouse.detail}</StatusTile>
        <StatusTile title="Event bus" ok={status.bus.ok}>{status.bus.kind} · {status.bus.detail}{status.bus.lag !== null ? ` · lag ${count(status.bus.lag)}` : ''}</StatusTile>
        <StatusTile title="Transform schedule" ok={status.schedule.ok}>
          last {status.schedule.lastRun ? ago(status.schedule.lastRun) : 'never'}{status.schedule.lastStatus ? ` (${status.schedule.lastStatus})` : ''} · next {status.schedule.nextRun ? `${dateTime(status.schedule.nextRun)} UTC` : 'not scheduled'}
        </StatusTile>
        <div className="stat">
          <div className="stat-label"><span className={`dot ${report.deadLetterTotal ? 'warn' : 'ok'}`} aria-hidden="true" />Dead letters</div>
          <div className="stat-value" style={{ fontSize: 16 }}>{count(report.deadLetterTotal)}</div>
          <div className="stat-note">{report.deadLetterTotal ? 'events waiting to be re-driven' : 'nothing rejected'}</div>
        </div>
      </div>
      {replayed !== undefined ? <div className="banner good" role="status">{icons.check}<span>Re-drove {replayed} dead letters and recomputed the metrics{first(params.skipped) && first(params.skipped) !== '0' ? `; ${first(params.skipped)} could not be re-driven (see below)` : ''}.</span></div> : null}
      {replayError ? <div className="banner bad" role="alert">{icons.alert}<span>{replayError}</span></div> : null}
      {!status.schedule.ok && status.schedule.detail ? <div className="banner bad" role="alert">{icons.alert}<span>The last transform failed: {status.schedule.detail}</span></div> : null}

      {counts.deliveries === 0 ? <ConnectSources origin={origin} what="events" /> : null}

      <div className="grid two" style={{ marginTop: counts.deliveries === 0 ? 16 : 0 }}>
        <Card id="sources" title="Sources" hint={`Last event per source; stale after ${STALE_HOURS} h without events. Argo CD and Flux post to /webhooks/deployments and are counted apart from other generic senders.`}>
          {perSource.sources.length === 0 && waiting.length === 0 ? (
            <p className="empty-inline">No events yet.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Sources and their last event</caption>
                <thead>
                  <tr>
                    <th scope="col">Source</th>
                    <th scope="col">Last event</th>
                    <th scope="col" className="num">Events</th>
                    <th scope="col" className="num">Ignored</th>
                    <th scope="col" className="num">Dead-lettered</th>
                  </tr>
                </thead>
                <tbody>
                  {perSource.sources.map((s) => {
                    const stale = now - parseUtc(s.last_received) > STALE_HOURS * 3_600_000;
                    return (
                      <tr key={s.origin} data-source={s.origin}>
                        <td><span className={`dot ${stale ? 'warn' : 'ok'}`} aria-hidden="true" /> <strong>{sourceLabel(s.origin)}</strong>{stale ? <span className="visually-hidden"> (stale)</span> : null}</td>
                        <td title={`${s.last_received} UTC`}>{ago(s.last_received)}{stale ? <span className="muted"> · stale</span> : null}</td>
                        <td className="num">{count(s.deliveries)}</td>
                        <td className="num" title="Events Paved does not need (other actions, non-production)">{count(s.ignored)}</td>
                        <td className="num">{s.dead_lettered ? <a href="#dead-letters">{count(s.dead_lettered)}</a> : '0'}</td>
                      </tr>
                    );
                  })}
                  {waiting.map((s) => (
                    <tr key={s.source} data-source={s.source}>
                      <td><span className="dot" aria-hidden="true" /> <strong>{sourceLabel(s.source)}</strong></td>
                      <td colSpan={4} className="muted">Secret set, no events yet: point the webhook at <code>{origin}{s.path}</code>.</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {gitlabPushes.truncated > 0 ? (
            <p id="gitlab-pushes" className={gitlabPushes.not_fetched ? 'banner warn' : 'stat-note'} style={{ marginTop: 10 }}>
              {gitlabPushes.not_fetched ? icons.alert : icons.check}
              <span>
                <strong>GitLab:</strong> {plural(gitlabPushes.truncated, 'push', 'pushes')} had more than 20 commits (GitLab lists only the newest 20);{' '}
                {count(gitlabPushes.completed)} completed through the compare API
                {gitlabPushes.not_fetched ? (
                  <>, <strong>{count(gitlabPushes.not_fetched)} could not be fetched</strong>: their older commits are missing from lead time and change sets. Set <code>GITLAB_TOKEN</code> (<code>read_api</code>) so Paved fetches the rest, or run <code>paved backfill gitlab</code>.{gitlabPushes.example_delivery ? <> Last {gitlabPushes.last_truncated ? dateTime(gitlabPushes.last_truncated) : ''} UTC, e.g. <code>{gitlabPushes.example_delivery}</code>.</> : null}</>
                ) : '.'}
              </span>
            </p>
          ) : null}
        </Card>

        <Card id="coverage" title="Coverage" hint="How much of the data the metrics can explain (all history, every service).">
          <div className="grid" style={{ gap: 14 }}>
            <div>
              <div className="stat-label">Deployments with a known change set</div>
              <div className="stat-value" style={{ fontSize: 18 }}>{percent(cov.deployments ? cov.with_change_set / cov.deployments : null)} <small>{count(cov.with_change_set)} of {count(cov.deployments)}</small></div>
              <Meter value={cov.deployments ? cov.with_change_set / cov.deployments : null} label="Share of deployments with a known change set" />
              <p className="stat-note" style={{ marginTop: 4 }}>The rest have no lead time: Paved has not seen the pushes before them (run <code>paved backfill github</code>).</p>
            </div>
            <div>
              <div className="stat-label">Deployments mapped to a service by the catalog</div>
              <div className="stat-value" style={{ fontSize: 18 }}>{percent(cov.deployments ? cov.mapped_by_catalog / cov.deployments : null)} <small>{count(cov.mapped_by_catalog)} of {count(cov.deployments)}</small></div>
              <Meter value={cov.deployments ? cov.mapped_by_catalog / cov.deployments : null} label="Share of deployments mapped by the catalog" />
            </div>
            <div>
              <div className="stat-label">Unmapped</div>
              <p style={{ marginTop: 2 }}>
                {cov.unmapped_repos.length === 0 ? 'Every repository maps to a service. ' : <>{cov.unmapped_repos.length} repositories fall back to their repository name: </>}
                {cov.unmapped_repos.slice(0, 12).map((r, i) => <span key={r}>{i ? ', ' : ''}<code>{r}</code></span>)}
                {cov.unmapped_repos.length > 12 ? ` and ${cov.unmapped_repos.length - 12} more` : ''}
              </p>
              <p style={{ marginTop: 4 }}>
                {cov.unmapped_incidents === 0 ? 'Every incident maps to a service.' : <><strong>{count(cov.unmapped_incidents)}</strong> incidents have no service, so they cannot fail a deployment.</>}
              </p>
              {cov.unmapped_repos.length || cov.unmapped_incidents ? <p className="stat-note" style={{ marginTop: 4 }}>Map them under <code>catalog.services</code> in <code>paved.config.yaml</code> (name, team, repo, path).</p> : null}
              <p style={{ marginTop: 4 }}>
                {report.unresolvedReferences.unresolved === 0
                  ? 'Every deployment an incident names was found.'
                  : <><strong>{count(report.unresolvedReferences.unresolved)}</strong> deployment references on incidents match no production deployment begun by the time the incident opened (those incidents fall back to timing inference), e.g. {report.unresolvedReferences.examples.map((e, i) => <span key={e}>{i ? ', ' : ''}<code>{e}</code></span>)}. Accepted forms: Paved&apos;s id, GitHub&apos;s numeric id, a deployment or Actions run URL, a deployed sha prefix.</>}
              </p>
            </div>
          </div>
        </Card>
      </div>

      <div style={{ marginTop: 16 }}>
        <Card id="change-set-attribution" title="Monorepo commits" hint="Which services a commit counts for comes from the files it touched (catalog paths and catalog.sharedPaths).">
          {attribution.uncounted === 0 && attribution.assumed === 0 && attribution.stoppedAtForcePush === 0 ? (
            <p className="empty-inline">{icons.check} Every shipped commit counts for the services whose path it touched.</p>
          ) : (
            <div className="grid" style={{ gap: 10 }}>
              <p>
                <strong>{count(attribution.uncounted)}</strong> commits count for no service: their files touch no service&apos;s path nor a shared path.
                {attribution.uncountedExamples.map((c) => <span key={`${c.repo}:${c.sha}`}> <code title={c.files.join(', ')}>{c.repo}@{c.sha.slice(0, 12)}</code></span>)}
              </p>
              <p>
                <strong>{count(attribution.assumed)}</strong> commits with unknown files are counted for every service of their repository (an assumption; push payloads and <code>paved backfill github</code> within <code>sources.github.commitFileRequests</code> supply files).
                {attribution.assumedExamples.map((c) => <span key={`${c.repo}:${c.sha}`}> <code title={c.services.join(', ')}>{c.repo}@{c.sha.slice(0, 12)}</code></span>)}
              </p>
              {attribution.stoppedAtForcePush ? <p><strong>{count(attribution.stoppedAtForcePush)}</strong> change sets stop at a force push (commits it discarded never count; a compare, when fetched, tells the rest).</p> : null}
            </div>
          )}
        </Card>
      </div>

      <div style={{ marginTop: 16 }}>
        <Card
          id="dead-letters"
          title="Dead letters"
          hint="Events that could not be processed, by step and reason. They are kept with the original payload."
          actions={
            <form method="post" action="/api/admin/dlq/replay">
              {canReplay && !admin ? (
                <button className="button small" type="submit" disabled title="Only admins can re-drive dead letters">Re-drive</button>
              ) : canReplay ? (
                <button className="button small" type="submit" disabled={report.deadLetterTotal === 0} title="Send the dead letters through the pipeline again, then recompute the metrics">Re-drive</button>
              ) : (
                <button className="button small" type="submit" disabled title="paved dlq replay (coming to the dashboard; from a terminal: stop Paved and run paved dlq replay)">Re-drive</button>
              )}
            </form>
          }
        >
          {report.deadLetters.length === 0 ? (
            <p className="empty-inline">{icons.check} No dead letters: every event so far was processed or deliberately ignored.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Dead letters by reason</caption>
                <thead><tr><th scope="col">Step</th><th scope="col">Reason</th><th scope="col" className="num">Events</th><th scope="col">Last (UTC)</th></tr></thead>
                <tbody>
                  {report.deadLetters.map((d) => (
                    <tr key={`${d.step}:${d.reason}`}>
                      <td>{d.step}</td>
                      <td className="wrap mono" style={{ fontSize: 12 }}>{d.reason}</td>
                      <td className="num">{count(d.count)}</td>
                      <td className="nowrap">{dateTime(d.last_failed)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>

      <div style={{ marginTop: 16 }}>
        <Card id="assumptions" title="Assumptions about payloads" hint="Accepted deliveries that left a field out, and what Paved took it to mean (each logged once at warn). Fix the sender to make them go away.">
          {report.assumptions.length === 0 ? (
            <p className="empty-inline">{icons.check} Nothing assumed: every accepted delivery carried the fields Paved reads.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Assumptions made about payloads</caption>
                <thead><tr><th scope="col">Source</th><th scope="col">Assumption</th><th scope="col" className="num">Deliveries</th><th scope="col">Example</th><th scope="col">Last (UTC)</th></tr></thead>
                <tbody>
                  {report.assumptions.map((a) => (
                    <tr key={`${a.source}:${a.event}:${a.assumption}`}>
                      <td className="nowrap">{sourceLabel(a.source)} <span className="muted">{a.event}</span></td>
                      <td className="wrap">{a.assumption}</td>
                      <td className="num">{count(a.deliveries)}</td>
                      <td className="wrap mono" style={{ fontSize: 12 }} title={a.example_payload}>{a.example_delivery}</td>
                      <td className="nowrap">{dateTime(a.last_seen)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>

      <div style={{ marginTop: 16 }}>
        <Card id="runs" title="Recent transform runs" hint="The transform rebuilds every derived table from the stored events.">
          {report.runs.length === 0 ? (
            <p className="empty-inline">The transform has not run yet; it runs on start and on the schedule.</p>
          ) : (
            <div className="table-wrap">
              <table>
                <caption className="visually-hidden">Recent transform runs</caption>
                <thead><tr><th scope="col">Job</th><th scope="col">Started (UTC)</th><th scope="col" className="num">Duration</th><th scope="col">Status</th><th scope="col">Steps</th></tr></thead>
                <tbody>
                  {report.runs.map((run) => {
                    const steps = stepsOf(run.detail);
                    const duration = run.finished_at ? (parseUtc(run.finished_at) - parseUtc(run.started_at)) / 1000 : null;
                    return (
                      <tr key={`${run.job}:${run.started_at}`}>
                        <td>{run.job}</td>
                        <td className="nowrap">{dateTime(run.started_at)} <span className="muted">({ago(run.started_at)})</span></td>
                        <td className="num">{duration === null ? 'running' : `${duration.toFixed(1)} s`}</td>
                        <td><span className={`tag ${run.status === 'ok' ? 'good' : run.status === 'failed' ? 'bad' : ''}`}>{run.status}</span></td>
                        <td className="wrap muted" style={{ fontSize: 12 }}>{steps ? steps.map((s) => `${s.label} ${s.ms} ms`).join(' · ') : run.detail}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
    </>
  );
}

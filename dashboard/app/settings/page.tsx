import { readFileSync } from 'node:fs';
import type { PavedEnv } from '@paved/schemas';
import { type StoredSecretName, webhookSecretPath } from '@paved/runtime';
import { ConnectProgress } from '@/components/ConnectProgress';
import { icons } from '@/components/icons';
import { Card, PageHeader } from '@/components/ui';
import { first, type SearchParams } from '@/lib/period';
import { originOf, viewerIsAdmin } from '@/lib/request';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Settings' };

/** Where a webhook secret comes from: the environment, the data directory (stored by a connect), or nowhere. Never its value. */
function secretSource(env: PavedEnv, name: StoredSecretName): 'environment' | 'data directory' | null {
  const value = env[name];
  if (!value) return null;
  try {
    return readFileSync(webhookSecretPath(env, name), 'utf8').trim() === value ? 'data directory' : 'environment';
  } catch {
    return 'environment';
  }
}

function isLoopback(url: string): boolean {
  try {
    return /^(localhost|127\.|\[::1\])/.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

export default async function Settings({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const admin = await viewerIsAdmin();
  const rt = runtime();
  const { env, config } = rt;
  const github = config.sources.github;
  const githubSecret = secretSource(env, 'GITHUB_WEBHOOK_SECRET');
  const sources = [
    { name: 'GitHub', webhook: githubSecret, api: env.GITHUB_TOKEN ? 'GITHUB_TOKEN' : env.GITHUB_APP_ID && env.GITHUB_APP_PRIVATE_KEY ? 'GitHub App' : null, scope: github?.org ?? (github?.repos.length ? github.repos.join(', ') : null) },
    { name: 'PagerDuty', webhook: secretSource(env, 'PAGERDUTY_WEBHOOK_SECRET'), api: null, scope: null },
    { name: 'Opsgenie', webhook: secretSource(env, 'OPSGENIE_WEBHOOK_TOKEN'), api: null, scope: null },
  ];
  const jobs = rt.connections;
  const defaultUrl = config.server.publicUrl ?? config.auth.oidc?.publicUrl ?? (await originOf());
  const error = first(params.error);

  return (
    <>
      <PageHeader title="Settings" subtitle="Connect a source in one step: its permissions checked, its webhook created, its history backfilled." />
      {rt.demo ? (
        <p className="banner warn" role="note">{icons.info}<span>This Paved holds the <strong>demo organisation</strong>: a source connected now lands next to the simulated data. Start it with <code>paved start --no-demo</code> (a fresh data directory) before connecting your own.</span></p>
      ) : null}
      <Card title="Sources" hint="What this Paved verifies webhooks with and reads history through. Secrets are never shown." id="sources">
        <div className="table-wrap" role="region" aria-label="Sources" tabIndex={0}>
          <table>
            <thead><tr><th scope="col">Source</th><th scope="col">Webhook secret</th><th scope="col">API credentials</th><th scope="col">Organisation or repositories</th></tr></thead>
            <tbody>
              {sources.map((s) => (
                <tr key={s.name}>
                  <td className="name">{s.name}</td>
                  <td>{s.webhook ? <><span className="dot ok" aria-hidden="true" /> set ({s.webhook})</> : <><span className="dot bad" aria-hidden="true" /> not set: webhooks answer 401</>}</td>
                  <td>{s.api ?? <span className="muted">none</span>}</td>
                  <td>{s.scope ?? <span className="muted">{s.name === 'GitHub' ? 'not configured (sources.github)' : '—'}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>

      {!admin ? (
        <Card title="Connect GitHub" id="connect-github">
          <p className="banner warn" role="note">{icons.lock}<span>Connecting a source needs the admin role: sign in as an admin, or ask one. The server refuses the action for anyone else (403).</span></p>
        </Card>
      ) : (
        <Card
          title="Connect GitHub"
          id="connect-github"
          hint={<>The same as <code>paved connect github</code>: a token (classic or fine-grained) or a GitHub App installation; each missing permission is named with why Paved needs it; then the webhook, the backfill and Data health.</>}
        >
          {error ? <p className="banner bad" role="alert">{icons.alert}<span>{error}</span></p> : null}
          {!jobs ? (
            <p className="banner warn" role="note">{icons.info}<span>This dashboard runs without the ingestion pipeline (<code>paved dashboard</code>): run <code>paved connect github</code> next to <code>paved ingest</code>.</span></p>
          ) : (
            <>
              <ConnectProgress initial={jobs.current} running={jobs.busy} />
              <form method="post" action="/api/admin/connect/github" className="connect-form">
                <div className="connect-grid">
                  <label className="field"><span>Organisation</span><input type="text" name="org" defaultValue={github?.org ?? ''} placeholder="acme" autoComplete="off" /></label>
                  <label className="field"><span>Or repositories (owner/name, one per line): a webhook on each</span><textarea name="repos" rows={2} defaultValue={github?.org ? '' : (github?.repos ?? []).join('\n')} /></label>
                  <label className="field"><span>Paved&apos;s public address (GitHub posts to …/webhooks/github)</span><input type="url" name="url" defaultValue={defaultUrl} required /></label>
                  <label className="field"><span>Backfill only what changed after (optional)</span><input type="date" name="since" /></label>
                </div>
                {isLoopback(defaultUrl) ? <p className="how">{icons.info} This address is loopback: GitHub.com cannot reach it. Give the address Paved is reachable at from GitHub (a proxy or tunnel), or set <code>server.publicUrl</code>.</p> : null}
                <fieldset className="connect-credentials">
                  <legend>Credentials (used for this connection and its backfill, never stored)</legend>
                  <label className="check"><input type="radio" name="kind" value="token" defaultChecked /> Token</label>
                  <label className="field"><span>Personal access token (classic: repo + admin:org_hook; fine-grained: read access and Webhooks: Read and write)</span><input type="password" name="token" autoComplete="off" spellCheck={false} /></label>
                  <label className="check"><input type="radio" name="kind" value="app" /> GitHub App</label>
                  <div className="connect-grid">
                    <label className="field"><span>App id</span><input type="text" name="appId" inputMode="numeric" autoComplete="off" /></label>
                    <label className="field"><span>Installation id (optional)</span><input type="text" name="installationId" inputMode="numeric" autoComplete="off" /></label>
                  </div>
                  <label className="field"><span>Private key (.pem contents)</span><textarea name="privateKey" rows={3} spellCheck={false} autoComplete="off" /></label>
                </fieldset>
                <div className="connect-actions">
                  <label className="check"><input type="checkbox" name="backfill" defaultChecked /> Backfill the history</label>
                  <label className="check"><input type="checkbox" name="allowLoopback" /> Allow a loopback address (testing)</label>
                  <button type="submit" name="action" value="check" className="button" disabled={jobs.busy}>Check permissions only</button>
                  <button type="submit" name="action" value="connect" className="button primary" disabled={jobs.busy}>Connect GitHub</button>
                </div>
              </form>
            </>
          )}
        </Card>
      )}
      <p className="footer-note">PagerDuty and Opsgenie: see <code>docs/sources.md</code>. The webhook secret a connection creates is kept in the data directory (owner-only) unless <code>GITHUB_WEBHOOK_SECRET</code> is set.</p>
    </>
  );
}

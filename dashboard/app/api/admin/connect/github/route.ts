import { GithubConnectRequest } from '@paved/runtime';
import { badRequest, failed } from '@/lib/api';
import { forbidden, requireAdmin } from '@/lib/auth';
import { isForm } from '@/lib/forms';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/*
 * Connect GitHub (admin): the Settings page's form and `paved connect github` while `paved start`
 * runs. POST starts the connection (permissions, webhook, backfill, transform) in the server,
 * which has the bus and whose receiver must verify with the webhook secret; GET follows it.
 * The token or private key in the body is used for this connection only: never logged or stored.
 */

const NO_CONNECTIONS = 'This dashboard runs without the ingestion pipeline (`paved dashboard`): run `paved connect github` next to `paved ingest` instead.';

/** GET: the current (or last) connection's state; no secret is in it. */
export async function GET(request: Request) {
  try {
    await requireAdmin(request);
  } catch (error) {
    return forbidden(error) ?? failed(error);
  }
  const jobs = runtime().connections;
  if (!jobs) return Response.json({ error: 'not_implemented', message: NO_CONNECTIONS }, { status: 501 });
  return Response.json({ running: jobs.busy, state: jobs.current });
}

/** The Settings form's fields as the request's shape (repositories one per line or comma-separated). */
function fromForm(form: FormData): unknown {
  const text = (name: string) => {
    const value = form.get(name);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const repos = (text('repos') ?? '').split(/[\s,]+/).filter(Boolean);
  const kind = text('kind') === 'app' ? 'app' : 'token';
  return {
    org: text('org'), repos, url: text('url'), allowLoopback: text('allowLoopback') === 'on', check: text('action') === 'check', backfill: text('backfill') === 'on',
    since: text('since'),
    credentials: kind === 'app' ? { kind, appId: text('appId'), privateKey: text('privateKey'), installationId: text('installationId') } : { kind, token: text('token') },
  };
}

/** POST: starts a connection. 202 with its state (JSON), or 303 back to /settings (form); 409 while one runs. */
export async function POST(request: Request) {
  try {
    await requireAdmin(request);
  } catch (error) {
    return forbidden(error) ?? failed(error);
  }
  const form = isForm(request);
  const back = (params: Record<string, string>) => new Response(null, { status: 303, headers: { location: `/settings?${new URLSearchParams(params)}#connect-github` } });
  const jobs = runtime().connections;
  if (!jobs) return form ? back({ error: NO_CONNECTIONS }) : Response.json({ error: 'not_implemented', message: NO_CONNECTIONS }, { status: 501 });
  let body: unknown;
  try {
    body = form ? fromForm(await request.formData()) : await request.json();
  } catch {
    return Response.json({ error: 'bad_request', issues: [{ parameter: '(body)', message: 'send JSON (or the Settings form)' }] }, { status: 400 });
  }
  const parsed = GithubConnectRequest.safeParse(body);
  if (!parsed.success) {
    if (form) return back({ error: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'form'}: ${issue.message}`).join('; ') });
    return badRequest(parsed.error);
  }
  const state = jobs.startGithub(parsed.data);
  if (!state) {
    const message = 'A connection is already running: wait for it to finish (its progress is on Settings).';
    return form ? back({ error: message }) : Response.json({ error: 'busy', message, state: jobs.current }, { status: 409 });
  }
  return form ? back({ started: '1' }) : Response.json(state, { status: 202 });
}

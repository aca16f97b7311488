/**
 * The survey HTTP endpoints as plain `Request → Response` functions: the dashboard's route
 * handlers are one-line wrappers around these (after `requireAdmin` for the admin ones), and the
 * tests call them directly. Failures answer with a message a person can act on, never a stack.
 */
import { type PavedConfig, type SurveyCampaigns, type SurveyResults, SurveyResultsQuery } from '@paved/schemas';
import { describeWarehouseError, type Warehouse } from '@paved/warehouse';
import { z } from 'zod';
import type { SheetInput } from './answers.js';
import { closeCampaign, createCampaign, type Invitee, type InviteOutcome, inviteToCampaign, parseInvitees, remindCampaign, SurveyInputError } from './campaigns.js';
import { toCsv } from './csv.js';
import { DefinitionError } from './definition.js';
import { effectiveMinGroupSize } from './disclosure.js';
import { importResponses } from './import.js';
import { type MailSettings, mailInvitations, mailReminder } from './mail.js';
import { LINK_MESSAGES, saveAnswers } from './respond.js';
import { campaignResults, campaignStatus, defaultCampaignId, resultsCsv } from './results.js';
import { readCampaigns } from './store.js';
import type { SurveyKeys } from './tokens.js';

export interface SurveyHttpContext {
  warehouse: Warehouse;
  config: PavedConfig;
  keys: SurveyKeys;
  /** This server's address, the base of invite links unless `surveys.publicUrl` is set. */
  origin: string;
  now?: () => Date;
  /** How survey e-mail is sent (SMTP_URL); unset: sending answers with what to configure. */
  mail?: () => MailSettings;
}

function mailOf(ctx: SurveyHttpContext): MailSettings {
  if (!ctx.mail) throw new SurveyInputError('Paved sends survey e-mail over SMTP_URL (the same setting as the digests): set it and restart, or download the links instead', 409);
  return ctx.mail();
}

const nowOf = (ctx: SurveyHttpContext) => (ctx.now ? ctx.now() : new Date());

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: { 'cache-control': 'no-store' } });
}

function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store' } });
}

/** A browser form post (navigation) rather than fetch or the CLI: answer with a redirect. */
function wantsHtml(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('text/html');
}

type Body = { kind: 'json'; value: unknown } | { kind: 'form'; value: FormData };

async function readBody(request: Request): Promise<Body> {
  const type = request.headers.get('content-type') ?? '';
  if (type.includes('application/json')) {
    try {
      return { kind: 'json', value: await request.json() };
    } catch {
      throw new SurveyInputError('the request body is not valid JSON');
    }
  }
  if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
    try {
      return { kind: 'form', value: await request.formData() };
    } catch {
      throw new SurveyInputError('the form could not be read');
    }
  }
  throw new SurveyInputError('send JSON (content-type: application/json) or a form', 415);
}

async function textField(form: FormData, name: string): Promise<string | undefined> {
  const value = form.get(name);
  if (value === null) return undefined;
  if (typeof value === 'string') return value;
  return value.size ? await value.text() : undefined;
}

/** The failure as a response: input problems as 4xx with the message, anything else as a one-line 500/503. */
export function failure(error: unknown): Response {
  if (error instanceof SurveyInputError) return json({ error: 'bad_request', message: error.message }, error.status);
  if (error instanceof DefinitionError) return json({ error: 'bad_definition', message: error.message, problems: error.problems }, 400);
  const message = describeWarehouseError(error);
  return json({ error: 'failed', message }, /refused|not found|timeout|unavailable/i.test(message) ? 503 : 500);
}

// ---------- public: the response form ----------

/**
 * POST /api/surveys/[token]: save (draft) or submit answers. JSON `{team, tenure, role, answers,
 * free_text, submit}` from the form's script, or the plain form (fields `team`, `tenure`, `role`,
 * `a:<item id>`, `t:<item id>`, button `action=save|submit`) when scripts are off.
 */
export async function postResponse(request: Request, token: string, ctx: SurveyHttpContext): Promise<Response> {
  const html = wantsHtml(request);
  try {
    const body = await readBody(request);
    const input = body.kind === 'json' ? sheetFromJson(body.value) : sheetFromForm(body.value);
    const outcome = await saveAnswers(ctx.warehouse, ctx.keys, token, input, nowOf(ctx));
    const page = `/s/${encodeURIComponent(token)}`;
    if (!outcome.ok) {
      if (outcome.problem === 'invalid') {
        return html ? redirect(`${page}?invalid=${encodeURIComponent(Object.keys(outcome.errors).join(','))}`) : json({ error: 'invalid', message: 'Some answers need attention.', errors: outcome.errors }, 422);
      }
      const m = LINK_MESSAGES[outcome.problem];
      return html ? redirect(page) : json({ error: outcome.problem, title: m.title, message: m.message }, m.status);
    }
    if (html) return redirect(`${page}?${outcome.submitted ? 'submitted' : 'saved'}=1${Object.keys(outcome.errors).length ? `&invalid=${encodeURIComponent(Object.keys(outcome.errors).join(','))}` : ''}`);
    return json({ saved: true, submitted: outcome.submitted, answered: outcome.answered, errors: outcome.errors });
  } catch (error) {
    return failure(error);
  }
}

const JsonSheet = z.object({
  team: z.string().optional(),
  tenure: z.string().nullable().optional(),
  role: z.string().nullable().optional(),
  answers: z.record(z.string(), z.unknown()).optional(),
  free_text: z.record(z.string(), z.unknown()).optional(),
  submit: z.boolean().optional(),
});

function sheetFromJson(value: unknown): SheetInput & { submit?: boolean } {
  const parsed = JsonSheet.safeParse(value);
  if (!parsed.success) throw new SurveyInputError(`expected {team, tenure, role, answers, free_text, submit}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

function sheetFromForm(form: FormData): SheetInput & { submit?: boolean } {
  const answers: Record<string, unknown> = {};
  const free_text: Record<string, unknown> = {};
  for (const [key, value] of form) {
    if (typeof value !== 'string') continue;
    if (key.startsWith('a:')) answers[key.slice(2)] = value;
    else if (key.startsWith('t:')) free_text[key.slice(2)] = value;
  }
  const field = (name: string) => {
    const v = form.get(name);
    return typeof v === 'string' ? v : undefined;
  };
  return { team: field('team'), tenure: field('tenure') ?? null, role: field('role') ?? null, answers, free_text, submit: field('action') === 'submit' };
}

// ---------- public: results ----------

/** The query of GET /api/v1/surveys/results is part of the API contract (@paved/schemas). */
const ResultsQuery = SurveyResultsQuery;

/** GET /api/v1/surveys/results?campaign=ID[&by=team|tenure|role][&format=json|csv]: anonymity applied. */
export async function getResults(request: Request, ctx: SurveyHttpContext): Promise<Response> {
  const params = Object.fromEntries([...new URL(request.url).searchParams].filter(([, v]) => v !== ''));
  const parsed = ResultsQuery.safeParse(params);
  if (!parsed.success) return json({ error: 'bad_request', issues: parsed.error.issues.map((i) => ({ parameter: i.path.join('.') || '(query)', message: i.message })) }, 400);
  try {
    const id = parsed.data.campaign ?? (await defaultCampaignId(ctx.warehouse, nowOf(ctx)));
    if (!id) return json({ error: 'not_found', message: 'no survey campaigns yet: create one with paved survey create' }, 404);
    const results = await campaignResults(ctx.warehouse, ctx.config, id, { by: parsed.data.by, now: nowOf(ctx) });
    if (!results) return json({ error: 'not_found', message: `no campaign "${id}"` }, 404);
    if (parsed.data.format === 'csv') {
      return new Response(resultsCsv(results), {
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="paved_survey_${id}_${results.by}.csv"`, 'cache-control': 'no-store' },
      });
    }
    const body: SurveyResults = results;
    return json(body);
  } catch (error) {
    return failure(error);
  }
}

/** GET /api/v1/surveys/campaigns: every campaign with its status and response count (null while under the threshold). */
export async function getCampaigns(_request: Request, ctx: SurveyHttpContext): Promise<Response> {
  try {
    const now = nowOf(ctx);
    const campaigns = await readCampaigns(ctx.warehouse);
    const k = effectiveMinGroupSize(ctx.config.surveys.minGroupSize);
    // A count under the threshold is withheld, like every other figure of a group that small.
    const body: SurveyCampaigns = { campaigns: campaigns.map((c) => ({ ...c, status: campaignStatus(c, now), responses: (c.responses ?? 0) > 0 && (c.responses ?? 0) < k ? null : c.responses ?? 0 })) };
    return json(body);
  } catch (error) {
    return failure(error);
  }
}

// ---------- admin (the caller has checked requireAdmin) ----------

/** POST /api/admin/surveys: create a campaign. */
export async function postCampaign(request: Request, ctx: SurveyHttpContext): Promise<Response> {
  const html = wantsHtml(request);
  try {
    const body = await readBody(request);
    let input: unknown = body.value;
    if (body.kind === 'form') {
      const form = body.value;
      const list = (name: string) => form.getAll(name).flatMap((v) => (typeof v === 'string' ? v.split(',') : [])).map((v) => v.trim()).filter(Boolean);
      input = {
        id: (await textField(form, 'id'))?.trim(),
        title: (await textField(form, 'title'))?.trim() || undefined,
        survey: (await textField(form, 'survey'))?.trim() || undefined,
        definition: (await textField(form, 'definition')) || undefined,
        audience: list('audience'),
        opens: await textField(form, 'opens'),
        closes: await textField(form, 'closes'),
        reminders: list('reminders'),
      };
    }
    const campaign = await createCampaign(ctx.warehouse, ctx.config, input, nowOf(ctx));
    return html ? redirect(`/surveys/admin/${campaign.id}?created=1`) : json({ campaign }, 201);
  } catch (error) {
    if (html && (error instanceof SurveyInputError || error instanceof DefinitionError)) return redirect(`/surveys/admin?error=${encodeURIComponent(error.message)}`);
    return failure(error);
  }
}

function linkBase(ctx: SurveyHttpContext): string {
  return ctx.config.surveys.publicUrl ?? ctx.origin;
}

const InviteList = z.object({ send: z.boolean().optional() }).and(z.union([
  z.object({ invitees: z.array(z.object({ email: z.string(), team: z.string() })) }),
  z.object({ csv: z.string() }),
]));

/** The people of an invite or reminder request: a form with an `emails` file, or JSON `{csv}` / `{invitees}`; `send` e-mails them. */
async function inviteesOf(body: Awaited<ReturnType<typeof readBody>>): Promise<{ invitees: (Invitee & { line?: number })[]; rejected: InviteOutcome['rejected']; send: boolean }> {
  if (body.kind === 'form') {
    const csv = await textField(body.value, 'emails');
    if (!csv) throw new SurveyInputError('attach the email list (a CSV file with the columns email and team)');
    return { ...parseInvitees(csv), send: (await textField(body.value, 'send')) === 'on' };
  }
  const parsed = InviteList.safeParse(body.value);
  if (!parsed.success) throw new SurveyInputError('expected {invitees: [{email, team}]} or {csv: "email,team\\n..."}, with "send": true to e-mail them');
  const send = parsed.data.send === true;
  if ('csv' in parsed.data) return { ...parseInvitees(parsed.data.csv), send };
  return { invitees: parsed.data.invitees, rejected: [], send };
}

/**
 * POST /api/admin/surveys/[campaign]/invites: JSON `{invitees: [{email, team}]}` or `{csv}`, or a
 * form with an `emails` CSV file (email,team). Answers with the links, once: as JSON, or as a CSV
 * download for the form; with `send` (JSON `true`, form checkbox) Paved e-mails each link instead
 * and answers with the counts (see mail.ts). Paved keeps no email address.
 */
export async function postInvites(request: Request, campaignId: string, ctx: SurveyHttpContext): Promise<Response> {
  try {
    const body = await readBody(request);
    const { invitees, rejected, send } = await inviteesOf(body);
    if (send) {
      const report = await mailInvitations(ctx.warehouse, ctx.keys, campaignId, invitees, linkBase(ctx), mailOf(ctx), { minGroupSize: effectiveMinGroupSize(ctx.config.surveys.minGroupSize), now: nowOf(ctx) });
      const all = { ...report, rejected: [...rejected, ...report.rejected].sort((a, b) => a.line - b.line) };
      if (body.kind === 'form') return redirect(`/surveys/admin/${campaignId}?mailed=${report.sent}&failed=${report.failed.length + report.uncertain.length}`);
      return json(all);
    }
    const outcome = await inviteToCampaign(ctx.warehouse, ctx.keys, campaignId, invitees, linkBase(ctx), nowOf(ctx));
    const all = { links: outcome.links, rejected: [...rejected, ...outcome.rejected].sort((a, b) => a.line - b.line) };
    if (body.kind === 'form') {
      const csv = toCsv(['email', 'team', 'link'], all.links.map((l) => [l.email, l.team, l.url]));
      return new Response(csv, {
        headers: {
          'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="invites_${campaignId}.csv"`, 'cache-control': 'no-store',
          'x-paved-rejected': String(all.rejected.length),
        },
      });
    }
    return json(all);
  } catch (error) {
    return failure(error);
  }
}

/** POST /api/admin/surveys/[campaign]/close */
export async function postClose(request: Request, campaignId: string, ctx: SurveyHttpContext): Promise<Response> {
  try {
    const campaign = await closeCampaign(ctx.warehouse, campaignId, nowOf(ctx));
    return wantsHtml(request) ? redirect(`/surveys/admin/${campaignId}?closed=1`) : json({ campaign });
  } catch (error) {
    if (wantsHtml(request) && error instanceof SurveyInputError) return redirect(`/surveys/admin/${encodeURIComponent(campaignId)}?error=${encodeURIComponent(error.message)}`);
    return failure(error);
  }
}

/** POST /api/admin/surveys/[campaign]/remind: stamps the reminder and returns its text to send; with a list and `send`, e-mails it. */
export async function postRemind(request: Request, campaignId: string, ctx: SurveyHttpContext): Promise<Response> {
  try {
    // A bare POST records the reminder (people are reminded outside Paved); with a list and send, Paved e-mails it.
    const body = request.headers.get('content-type') ? await readBody(request) : null;
    const hasList = body !== null && (body.kind === 'form' ? body.value.has('emails') : typeof body.value === 'object' && body.value !== null && ('csv' in body.value || 'invitees' in body.value));
    const list = hasList ? await inviteesOf(body) : null;
    if (list?.send) {
      const report = await mailReminder(ctx.warehouse, campaignId, list.invitees, mailOf(ctx), { now: nowOf(ctx) });
      if (wantsHtml(request)) return redirect(`/surveys/admin/${campaignId}?reminded=${report.sent}&failed=${report.failed.length + report.uncertain.length}`);
      return json({ ...report, rejected: [...list.rejected, ...report.rejected].sort((a, b) => a.line - b.line) });
    }
    const outcome = await remindCampaign(ctx.warehouse, campaignId, nowOf(ctx));
    return wantsHtml(request) ? redirect(`/surveys/admin/${campaignId}?reminded=${outcome.reminded}`) : json(outcome);
  } catch (error) {
    if (wantsHtml(request) && error instanceof SurveyInputError) return redirect(`/surveys/admin/${encodeURIComponent(campaignId)}?error=${encodeURIComponent(error.message)}`);
    return failure(error);
  }
}

/** POST /api/admin/surveys/[campaign]/import: `{csv}` or a form with a `file`; answers with the validation report. */
export async function postImport(request: Request, campaignId: string, ctx: SurveyHttpContext): Promise<Response> {
  try {
    const body = await readBody(request);
    let csv: string | undefined;
    if (body.kind === 'form') csv = await textField(body.value, 'file');
    else {
      const parsed = z.object({ csv: z.string() }).safeParse(body.value);
      csv = parsed.success ? parsed.data.csv : undefined;
    }
    if (!csv) throw new SurveyInputError('attach the CSV file of responses (team, tenure, role, then one column per question id)');
    const report = await importResponses(ctx.warehouse, campaignId, csv, nowOf(ctx));
    if (wantsHtml(request)) return redirect(`/surveys/admin/${campaignId}?imported=${report.imported}&rejected=${report.rejected.length}`);
    return json(report);
  } catch (error) {
    return failure(error);
  }
}

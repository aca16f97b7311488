/**
 * `paved survey create|invite|close|results|import|list`: developer-survey campaigns. While
 * `paved start` holds the embedded warehouse, every subcommand goes through its admin API;
 * otherwise it opens the warehouse itself. Links and email addresses are printed, never stored.
 */
import { readFileSync } from 'node:fs';
import type { PavedConfig, PavedEnv } from '@paved/schemas';
import { type Campaign, campaignResults, campaignStatus, closeCampaign, createCampaign, DefinitionError, type Dimension, defaultCampaignId, effectiveMinGroupSize, type ImportReport, type InviteOutcome, importResponses, inviteToCampaign, keysOf, knownTeams, type MailingReport, mailInvitations, mailReminder, mailSettingsOf, parseInvitees, readCampaigns, remindCampaign, resultsCsv, SurveyInputError, type SurveyResults, toCsv } from '@paved/surveys';
import { migrate, type Warehouse } from '@paved/warehouse';
import { loadConfig } from '@paved/runtime';
import { callServer } from '../remote.js';
import { openWarehouse, runningServer } from '../setup.js';

type Server = NonNullable<ReturnType<typeof runningServer>>;

/** Runs through the running server when there is one, else on the warehouse directly. */
async function run<T>(command: string, viaServer: (server: Server) => Promise<T>, direct: (warehouse: Warehouse, config: PavedConfig, env: PavedEnv) => Promise<T>): Promise<T> {
  const { config, env } = loadConfig();
  const server = runningServer(env);
  if (server) {
    process.stderr.write(`paved start (pid ${server.pid}) holds the warehouse: going through it\n`);
    try {
      return await viaServer(server);
    } catch (error) {
      throw new Error(serverMessage(error));
    }
  }
  const warehouse = await openWarehouse(env, config, command);
  try {
    await migrate(warehouse);
    return await direct(warehouse, config, env);
  } catch (error) {
    if (error instanceof SurveyInputError || error instanceof DefinitionError) throw new Error(error.message);
    throw error;
  } finally {
    await warehouse.close();
  }
}

/** The `message` of a JSON error answer, instead of the raw body. */
function serverMessage(error: unknown): string {
  const text = (error as Error).message;
  const body = /answered \d+: (.*)$/s.exec(text)?.[1];
  if (!body) return text;
  try {
    const parsed = JSON.parse(body) as { message?: string; issues?: { parameter: string; message: string }[] };
    return parsed.message ?? parsed.issues?.map((i) => `${i.parameter}: ${i.message}`).join('; ') ?? text;
  } catch {
    return text;
  }
}

function readFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

const list = (value: string | undefined) => (value ?? '').split(',').map((v) => v.trim()).filter(Boolean);

// ---------- create ----------

export interface CreateOptions {
  id: string;
  title?: string;
  survey?: string;
  definition?: string;
  teams?: string;
  allTeams?: boolean;
  opens: string;
  closes: string;
  reminders?: string;
}

export async function surveyCreate(options: CreateOptions): Promise<void> {
  const body = {
    id: options.id, title: options.title, survey: options.survey, definition: options.definition ? readFile(options.definition, 'the definition file') : undefined,
    audience: list(options.teams), opens: options.opens, closes: options.closes, reminders: list(options.reminders),
  };
  if (!options.allTeams && body.audience.length === 0) throw new Error('choose the audience: --teams a,b or --all-teams');
  const campaign = await run('paved survey create',
    async (server) => {
      if (options.allTeams) throw new Error('--all-teams needs the warehouse; while paved start runs, list the teams with --teams (see the Surveys page)');
      return ((await callServer(server, 'POST', '/api/admin/surveys', body)) as { campaign: Campaign }).campaign;
    },
    async (warehouse, config) => {
      const audience = options.allTeams ? await knownTeams(warehouse, config) : body.audience;
      return createCampaign(warehouse, config, { ...body, audience });
    });
  process.stdout.write(`created campaign ${campaign.id} (${campaign.surveyId} v${campaign.surveyVersion}) for ${campaign.audience.join(', ')}: open ${campaign.opensAt.slice(0, 10)} to the end of ${lastDay(campaign.closesAt)} (UTC)\n`);
  if (campaign.reminders.length) process.stdout.write(`reminders due ${campaign.reminders.map((r) => r.slice(0, 10)).join(', ')}: send them with \`paved survey invite --campaign ${campaign.id} --remind --emails FILE\`\n`);
  process.stdout.write(`next: paved survey invite --campaign ${campaign.id} --emails people.csv   (columns email,team)\n`);
}

const lastDay = (closesAt: string) => new Date(Date.parse(closesAt) - 1).toISOString().slice(0, 10);

// ---------- invite ----------

export async function surveyInvite(options: { campaign: string; emails: string; remind?: boolean; send?: boolean }): Promise<void> {
  const csv = readFile(options.emails, 'the email list');
  const path = `/api/admin/surveys/${encodeURIComponent(options.campaign)}`;
  if (options.send) {
    const report = await run<MailingReport>(options.remind ? 'paved survey invite --remind --send' : 'paved survey invite --send',
      async (server) => (await callServer(server, 'POST', `${path}/${options.remind ? 'remind' : 'invites'}`, { csv, send: true })) as MailingReport,
      async (warehouse, config, env) => {
        const { invitees, rejected } = parseInvitees(csv);
        const mail = mailSettingsOf(config, env);
        const progress = (done: number, total: number) => {
          if (done === total || done % 25 === 0) process.stderr.write(`  ${done}/${total} e-mailed\n`);
        };
        const report = options.remind
          ? await mailReminder(warehouse, options.campaign, invitees, mail, { onProgress: progress })
          : await mailInvitations(warehouse, keysOf(env), options.campaign, invitees, linkBaseOf(config, env), mail, { minGroupSize: effectiveMinGroupSize(config.surveys.minGroupSize), onProgress: progress });
        return { ...report, rejected: [...rejected, ...report.rejected].sort((a, b) => a.line - b.line) };
      });
    process.stderr.write(`${report.sent} ${report.kind}(s) e-mailed for campaign ${options.campaign}${report.kind === 'invitation' ? '; Paved kept neither the links nor the addresses' : ''}.\n`);
    for (const f of report.failed) process.stderr.write(`  not sent to ${f.email} (${f.team}): ${f.error}\n`);
    for (const u of report.uncertain) process.stderr.write(`  perhaps not sent to ${u.email} (${u.team}), the mail server did not answer: ${u.error}\n`);
    for (const r of report.rejected) process.stderr.write(`  line ${r.line} skipped: ${r.reason}\n`);
    if (report.failed.length || report.uncertain.length) process.exitCode = 1;
    return;
  }
  if (options.remind) {
    const { invitees, rejected } = parseInvitees(csv);
    const outcome = await run('paved survey invite --remind',
      async (server) => (await callServer(server, 'POST', `${path}/remind`, {})) as { reminded: number; message: string },
      async (warehouse) => remindCampaign(warehouse, options.campaign));
    process.stdout.write(toCsv(['email', 'message'], invitees.map((i) => [i.email, outcome.message])));
    process.stderr.write(`reminder recorded for ${outcome.reminded} invite(s); ${invitees.length} address(es) printed for sending (or use --send to e-mail them)${rejected.length ? `, ${rejected.length} line(s) skipped` : ''}. Reminders carry no link: people use the one they were sent.\n`);
    return;
  }
  const outcome = await run<InviteOutcome>('paved survey invite',
    async (server) => (await callServer(server, 'POST', `${path}/invites`, { csv })) as InviteOutcome,
    async (warehouse, config, env) => {
      const { invitees, rejected } = parseInvitees(csv);
      const result = await inviteToCampaign(warehouse, keysOf(env), options.campaign, invitees, linkBaseOf(config, env));
      return { links: result.links, rejected: [...rejected, ...result.rejected].sort((a, b) => a.line - b.line) };
    });
  process.stdout.write(toCsv(['email', 'team', 'link'], outcome.links.map((l) => [l.email, l.team, l.url])));
  process.stderr.write(`${outcome.links.length} single-use link(s) for campaign ${options.campaign}. Paved keeps no copy: send each to its address, then delete this output (or use --send to have Paved e-mail them).\n`);
  for (const r of outcome.rejected) process.stderr.write(`  line ${r.line} skipped: ${r.reason}\n`);
}

/** Where survey links point: `surveys.publicUrl`, else this machine's dashboard address. */
function linkBaseOf(config: PavedConfig, env: PavedEnv): string {
  return config.surveys.publicUrl ?? `http://${env.HOST ?? config.server.host}:${env.PORT ?? config.server.port}`;
}

// ---------- close ----------

export async function surveyClose(options: { campaign: string }): Promise<void> {
  const campaign = await run('paved survey close',
    async (server) => ((await callServer(server, 'POST', `/api/admin/surveys/${encodeURIComponent(options.campaign)}/close`, {})) as { campaign: Campaign }).campaign,
    async (warehouse) => closeCampaign(warehouse, options.campaign));
  process.stdout.write(`closed campaign ${campaign.id}: links now show "This survey is closed" and answers can no longer change\n`);
}

// ---------- import ----------

export async function surveyImport(options: { campaign: string; file: string; json?: boolean }): Promise<void> {
  const csv = readFile(options.file, 'the responses file');
  const report = await run<ImportReport>('paved survey import',
    async (server) => (await callServer(server, 'POST', `/api/admin/surveys/${encodeURIComponent(options.campaign)}/import`, { csv })) as ImportReport,
    async (warehouse) => importResponses(warehouse, options.campaign, csv));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  process.stdout.write(formatImport(report));
  if (report.rejected.length) process.exitCode = 1;
}

export function formatImport(report: ImportReport): string {
  const lines = [`imported ${report.imported} of ${report.rows} row(s) into ${report.campaign}; ${report.rejected.length} rejected`];
  if (report.ignoredColumns.length) lines.push(`ignored columns (not questions of this survey): ${report.ignoredColumns.join(', ')}`);
  if (report.missingColumns.length) lines.push(`questions with no column (counted as skipped): ${report.missingColumns.join(', ')}`);
  for (const r of report.rejected) lines.push(`  line ${r.line}: ${r.reasons.join('; ')}`);
  if (report.rejected.length) lines.push('fix the rejected lines and import a file with only those rows; rows already imported are not duplicated when the same file is imported again');
  return `${lines.join('\n')}\n`;
}

// ---------- results ----------

export async function surveyResults(options: { campaign?: string; by?: Dimension; json?: boolean; csv?: boolean }): Promise<void> {
  const by = options.by ?? 'team';
  const results = await run<SurveyResults>('paved survey results',
    async (server) => {
      const query = new URLSearchParams({ by, ...(options.campaign ? { campaign: options.campaign } : {}) });
      return (await callServer(server, 'GET', `/api/v1/surveys/results?${query}`)) as SurveyResults;
    },
    async (warehouse, config) => {
      const id = options.campaign ?? (await defaultCampaignId(warehouse));
      if (!id) throw new Error('no survey campaigns yet: create one with paved survey create');
      const found = await campaignResults(warehouse, config, id, { by });
      if (!found) throw new Error(`no campaign "${id}" (paved survey list shows them)`);
      return found;
    });
  if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else if (options.csv) process.stdout.write(resultsCsv(results));
  else process.stdout.write(formatResults(results));
}

const pct = (v: number | null) => (v === null ? '   –' : `${String(Math.round(v * 100)).padStart(3)} %`);
const signed = (v: number | null, unit: string) => (v === null ? '' : `${v > 0 ? '+' : ''}${v}${unit}`);

export function formatResults(r: SurveyResults): string {
  const out = [
    `${r.campaign.title} (${r.campaign.id}, ${r.campaign.status}) · survey ${r.definition.id} v${r.definition.version} · groups under ${r.minGroupSize} are hidden`,
  ];
  const p = r.participation;
  const participation = () => {
    out.push('', 'participation by team');
    for (const t of p.teams) out.push(`  ${t.team.padEnd(25)} ${t.responses === null ? 'hidden' : String(t.responses)}${t.denominator !== null ? ` of ${t.denominator} (${t.source})` : ''}${t.rate !== null ? `  ${pct(t.rate).trim()}` : ''}`);
  };
  if (!r.released) {
    out.push(`answers are released when the campaign closes (last day ${lastDay(r.campaign.closesAt)}); so far ${r.respondents ?? `fewer than ${r.minGroupSize}`} responses`);
    participation();
    return `${out.join('\n')}\n`;
  }
  if (r.respondents === null || r.org === null) {
    out.push(`fewer than ${r.minGroupSize} responses: nothing can be shown without revealing individual answers`);
    return `${out.join('\n')}\n`;
  }
  out.push(`respondents ${r.respondents}${p.rate !== null ? `, participation ${pct(p.rate).trim()} of ${p.denominator}` : ''}${r.previous ? ` · changes vs ${r.previous.title}` : ''}`);
  const org = r.org;
  if (org.enps) out.push(`platform eNPS ${signed(org.enps.score, '') || '–'} (${org.enps.promoters} promoters, ${org.enps.passives} passives, ${org.enps.detractors} detractors, ${org.enps.skipped} skipped)${org.enps.change !== null ? `  ${signed(org.enps.change, '')} vs previous` : ''}`);
  if (org.hoursLost) out.push(`hours lost per week: mean ${org.hoursLost.mean ?? '–'}, median ${org.hoursLost.median ?? '–'} (${org.hoursLost.answered} answers)`);
  out.push('', 'driver                     favourable  mean/100  change');
  for (const d of org.drivers) out.push(`  ${d.label.padEnd(25)} ${pct(d.favourable).padStart(9)}  ${String(d.mean100 ?? '–').padStart(8)}  ${signed(d.change, ' pp')}`);
  if (r.groups.length) {
    out.push('', `% favourable by ${r.by}`);
    const width = Math.max(12, ...r.groups.map((g) => g.group.length)) + 2;
    out.push(`  ${''.padEnd(25)} ${r.groups.map((g) => g.group.padStart(width)).join('')}`);
    for (const d of org.drivers) out.push(`  ${d.label.padEnd(25)} ${r.groups.map((g) => pct(g.drivers.find((x) => x.id === d.id)?.favourable ?? null).padStart(width)).join('')}`);
  }
  if (r.hiddenGroups.length) out.push('', `hidden to protect anonymity: ${r.hiddenGroups.join(', ')}`);
  if (r.by === 'team') participation();
  for (const note of r.notes) out.push(`note: ${note}`);
  return `${out.join('\n')}\n`;
}

// ---------- list ----------

export async function surveyList(options: { json?: boolean }): Promise<void> {
  const now = new Date();
  const { config } = loadConfig();
  const k = effectiveMinGroupSize(config.surveys.minGroupSize);
  const campaigns = await run('paved survey list',
    async (server) => ((await callServer(server, 'GET', '/api/v1/surveys/campaigns')) as { campaigns: (Omit<Campaign, 'responses'> & { status: string; responses: number | null })[] }).campaigns,
    async (warehouse) => (await readCampaigns(warehouse)).map((c) => ({ ...c, status: campaignStatus(c, now), responses: (c.responses ?? 0) > 0 && (c.responses ?? 0) < k ? null : c.responses ?? 0 })));
  if (options.json) {
    process.stdout.write(`${JSON.stringify(campaigns, null, 2)}\n`);
    return;
  }
  if (!campaigns.length) {
    process.stdout.write('no survey campaigns yet: paved survey create --id dx-2026-q1 --all-teams --opens YYYY-MM-DD --closes YYYY-MM-DD\n');
    return;
  }
  for (const c of campaigns) {
    process.stdout.write(`${c.id.padEnd(20)} ${c.status.padEnd(9)} ${c.opensAt.slice(0, 10)} → ${lastDay(c.closesAt)}  ${(c.responses === null ? `<${k}` : String(c.responses)).padStart(5)} responses  ${c.origin === 'external' ? '(imported / demo)' : c.audience.join(', ')}\n`);
  }
}

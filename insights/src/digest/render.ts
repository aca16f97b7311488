import { formatDuration } from '@paved/schemas/duration';
import { deploymentLabel, KEY_LABELS, KEY_UNITS, parseUtc, type DigestContent, type KeyName } from './content.js';

/**
 * Renders a digest for every channel. Pure: the same content gives the same output, and every
 * value taken from the data is escaped for the form it lands in (HTML, Slack mrkdwn, Markdown).
 */

export interface SlackBlock {
  type: 'header' | 'section' | 'context' | 'divider';
  text?: { type: 'plain_text' | 'mrkdwn'; text: string; emoji?: boolean };
  fields?: { type: 'mrkdwn'; text: string }[];
  elements?: { type: 'mrkdwn'; text: string }[];
}

export interface RenderedDigest {
  subject: string;
  /** Plain text: the email's text part, the dry run and the Slack fallback. */
  text: string;
  /** A whole email document: table layout, inline styles, light and dark. */
  html: string;
  slack: { text: string; blocks: SlackBlock[] };
  markdown: string;
  /** A fragment for the dashboard's archive page, using the dashboard's classes. */
  archiveHtml: string;
}

/** Slack's limits (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3000, fieldText: 2000, fields: 10, headerText: 150, contextElements: 10, fallbackText: 3000 } as const;

type Tone = 'better' | 'worse' | 'flat' | 'none';
interface Change { text: string; tone: Tone }

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

const METHOD_LABELS: Record<string, string> = {
  explicit: 'named by an incident',
  rollback: 'rolled back',
  revert: 'reverted',
  inferred: 'inferred from incident timing',
  override: 'confirmed by a person',
};

// ---------- numbers and words ----------

/** Paved's one duration rule (hours under 48 h, days from 48 h), as on the dashboard and in the CLI. */
function hours(value: number): string {
  return formatDuration(value);
}

function percent(value: number): string {
  const p = value * 100;
  return `${p === 0 || p === 100 || Math.abs(p) >= 10 ? Math.round(p) : p.toFixed(1)} %`;
}

export function formatKey(key: KeyName, value: number | null): string {
  if (value === null) return 'no data';
  const unit = KEY_UNITS[key].unit;
  if (unit === 'rate') return percent(value);
  if (unit === 'hours') return hours(value);
  return `${Number(value.toFixed(1))}/week`;
}

/** Change from `before` to `now`: percentage points for rates, percent otherwise; the tone says whether that is good. */
export function changeOf(key: KeyName, now: number | null, before: number | null, against: string): Change {
  if (now === null || before === null) return { text: before === null ? `no data ${against}` : 'no data now', tone: 'none' };
  const { unit, better } = KEY_UNITS[key];
  const diff = unit === 'rate' ? (now - before) * 100 : before === 0 ? (now === 0 ? 0 : Number.POSITIVE_INFINITY) : ((now - before) / before) * 100;
  const flat = unit === 'rate' ? Math.abs(diff) < 0.5 : Math.abs(diff) < 2;
  if (flat) return { text: `about the same as ${against}`, tone: 'flat' };
  const up = diff > 0;
  const tone: Tone = up === (better === 'up') ? 'better' : 'worse';
  const amount = !Number.isFinite(diff) ? `from ${formatKey(key, before)}` : unit === 'rate' ? `${up ? '+' : '−'}${Math.abs(diff).toFixed(1)} pp` : `${up ? '+' : '−'}${Math.round(Math.abs(diff))} %`;
  return { text: `${up ? '▲' : '▼'} ${amount} vs ${against} (${tone})`, tone };
}

function shareChange(now: number | null, before: number | null): Change {
  if (now === null || before === null) return { text: before === null ? 'no deployments the week before' : 'no deployments this week', tone: 'none' };
  const diff = (now - before) * 100;
  if (Math.abs(diff) < 0.5) return { text: 'about the same as the week before', tone: 'flat' };
  return { text: `${diff > 0 ? '▲ +' : '▼ −'}${Math.abs(diff).toFixed(1)} pp vs the week before`, tone: diff > 0 ? 'better' : 'worse' };
}

function day(value: string): Date {
  return new Date(`${value}T00:00:00Z`);
}

/** "16–22 Nov 2026" (or across months and years). */
export function weekRange(from: string, to: string): string {
  const a = day(from);
  const b = new Date(day(to).getTime() - 86_400_000);
  const sameYear = a.getUTCFullYear() === b.getUTCFullYear();
  const sameMonth = sameYear && a.getUTCMonth() === b.getUTCMonth();
  const left = `${a.getUTCDate()}${sameMonth ? '' : ` ${MONTHS[a.getUTCMonth()]}`}${sameYear ? '' : ` ${a.getUTCFullYear()}`}`;
  return `${left}–${b.getUTCDate()} ${MONTHS[b.getUTCMonth()]} ${b.getUTCFullYear()}`;
}

function when(value: string): string {
  const t = new Date(parseUtc(value));
  if (Number.isNaN(t.getTime())) return value;
  return `${DAYS[t.getUTCDay()]} ${t.getUTCDate()} ${MONTHS[t.getUTCMonth()]} ${String(t.getUTCHours()).padStart(2, '0')}:${String(t.getUTCMinutes()).padStart(2, '0')} UTC`;
}

/** Only http(s) links leave Paved; anything else is shown as text. */
export function safeUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

// ---------- the digest in sentences, shared by every form ----------

interface Line {
  text: string;
  /** Link target (http(s) only) and its label. */
  link?: { url: string; label: string };
  tone?: Tone;
  sub?: Line[];
}

interface Described {
  subject: string;
  title: string;
  scope: string;
  period: string;
  keys: { key: KeyName; label: string; value: string; week: Change; month: Change; level: string | null; sample: string }[];
  movers: { heading: string; lines: Line[]; empty: string };
  failures: { heading: string; lines: Line[]; empty: string; more: number };
  adoption: Line[];
  survey: Line[];
  health: { lines: Line[]; ok: boolean };
  footer: string;
  dashboard: string | null;
}

function explainUrl(base: string | null, params: Record<string, string>): string | null {
  if (!base) return null;
  const url = safeUrl(base);
  if (!url) return null;
  return `${url.replace(/\/$/, '')}/dora/explain?${new URLSearchParams(params)}`;
}

function describe(c: DigestContent): Described {
  const scope = c.team === null ? 'Organisation' : `Team ${c.team}`;
  const period = `${weekRange(c.week.from, c.week.to)} (Monday to Sunday, UTC)`;
  const base = safeUrl(c.publicUrl);
  const keys = c.keys.map((k) => ({
    key: k.key,
    label: KEY_LABELS[k.key],
    value: formatKey(k.key, k.value),
    week: changeOf(k.key, k.value, k.previousWeek, 'last week'),
    month: changeOf(k.key, k.value, k.fourWeeks, 'the 4 weeks before'),
    level: k.level,
    sample: k.sample,
  }));
  const moverWhat = c.movers.by === 'team' ? 'teams' : 'services';
  const movers = c.movers.rows.map((m): Line => {
    const change = changeOf(m.key, m.value, m.previous, 'last week');
    const detail = m.key === 'deploymentFrequency'
      ? `${m.previousDeployments} → ${m.deployments} deployments`
      : `${formatKey(m.key, m.previous)} → ${formatKey(m.key, m.value)}`;
    return { text: `${m.name}: ${KEY_LABELS[m.key]} ${detail}`, tone: change.tone, sub: [{ text: change.text, tone: change.tone }] };
  });
  const failures = c.failures.shown.map((f): Line => {
    const deployment = safeUrl(f.url);
    const explain = explainUrl(base, { metric: 'changeFailureRate', from: f.deployedAt.slice(0, 10), to: nextDay(f.deployedAt.slice(0, 10)), deployment: f.id });
    const sub: Line[] = f.links.map((l) => {
      const method = METHOD_LABELS[l.method] ?? l.method.replaceAll('_', ' ');
      const incident = l.incident;
      // Ids stay link targets: the words name deployments by repository and pull request, incidents by title.
      const names: [string, string][] = [[f.id, 'this deployment'], ...(l.otherDeploymentId ? [[l.otherDeploymentId, l.otherDeploymentLabel ?? 'a later deployment'] as [string, string]] : []), ...(incident ? [[incident.id, `"${incident.title}"`] as [string, string]] : [])];
      const evidence = humanEvidence(l.evidence, names);
      if (incident) {
        const url = safeUrl(incident.url);
        return { text: `${method}: incident "${incident.title}" (${incident.severity}, ${incident.status}); ${evidence}`, ...(url ? { link: { url, label: 'incident' } } : {}) };
      }
      return { text: `${method}: ${evidence}` };
    });
    if (f.recoveryHours !== null) sub.push({ text: `recovered after ${hours(f.recoveryHours)}` });
    const link = deployment ?? explain;
    return {
      text: `${f.service} (${f.team}): ${deploymentLabel(f)}, deployed ${when(f.deployedAt)}`,
      ...(link ? { link: { url: link, label: deployment ? 'deployment' : 'evidence in Paved' } } : {}),
      tone: 'worse',
      sub,
    };
  });
  const a = c.adoption;
  const golden = shareChange(a.goldenShare, a.previousGoldenShare);
  const platform = shareChange(a.platformShare, a.previousPlatformShare);
  const adoption: Line[] = [
    { text: `Golden-path share of deployments: ${a.goldenShare === null ? 'no deployments' : percent(a.goldenShare)} (${golden.text})`, tone: golden.tone },
    { text: `Through the platform's pipelines: ${a.platformShare === null ? 'no deployments' : percent(a.platformShare)} (${platform.text})`, tone: platform.tone },
    { text: `${a.deployments} production deployments this week, ${a.previousDeployments} the week before.` },
  ];
  const survey: Line[] = c.survey
    ? [{ text: c.survey.title }, ...c.survey.lines.map((text) => ({ text }))]
    : [{ text: 'No survey results.' }];
  const h = c.health;
  const healthLines: Line[] = h.problems.map((text) => ({ text, tone: 'worse' as const }));
  const fresh = h.sources.filter((s) => !s.stale).map((s) => s.source);
  if (fresh.length) healthLines.push({ text: `Receiving events from ${fresh.join(', ')}.` });
  if (h.lastTransform) healthLines.push({ text: `Last transform: ${h.lastTransform.status} at ${when(h.lastTransform.at)}.` });
  if (h.changeSetCoverage !== null) healthLines.push({ text: `${percent(h.changeSetCoverage)} of deployments have a known change set.` });
  return {
    subject: `Paved weekly digest ${c.week.id}: ${c.team === null ? 'organisation' : `team ${c.team}`}`,
    title: `Paved weekly digest · ${c.week.id}`,
    scope,
    period,
    keys,
    movers: { heading: `Biggest movers (${moverWhat})`, lines: movers, empty: `No ${c.movers.by === 'team' ? 'team' : 'service'} changed much since last week.` },
    failures: { heading: `Failed deployments (${c.failures.total})`, lines: failures, empty: 'No failed deployments this week.', more: Math.max(0, c.failures.total - c.failures.shown.length) },
    adoption,
    survey,
    health: { lines: healthLines.length ? healthLines : [{ text: 'No events have arrived yet.' }], ok: h.problems.length === 0 },
    footer: `Generated ${when(c.generatedAt)} · DORA ${c.profile} benchmarks; levels best to worst: elite, high, medium, low (low is bad news whatever the number) · vs last week and vs the 4 weeks before`,
    dashboard: base,
  };
}

/**
 * Evidence as the warehouse writes it names deployments and incidents by id
 * ("incident pagerduty:P1 names deployment github:acme/billing:1916803082"): each known id becomes
 * its name, longest first so an id inside another is not cut.
 */
export function humanEvidence(evidence: string, names: readonly (readonly [string, string])[]): string {
  const known = new Map(names.filter(([id]) => id));
  if (!known.size) return evidence;
  const ids = [...known.keys()].sort((a, b) => b.length - a.length).map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // One pass, so a name that contains an id (an incident titled after its id) is not replaced again.
  return evidence.replace(new RegExp(`(deployment )?(${ids.join('|')})`, 'g'), (_match, prefix: string | undefined, id: string) => {
    const name = known.get(id)!;
    return name === 'this deployment' ? name : `${prefix ?? ''}${name}`;
  });
}

function nextDay(value: string): string {
  return new Date(day(value).getTime() + 86_400_000).toISOString().slice(0, 10);
}

// ---------- plain text ----------

function textLines(lines: Line[], indent = '  '): string[] {
  return lines.flatMap((l) => [`${indent}- ${l.text}${l.link ? ` <${l.link.url}>` : ''}`, ...textLines(l.sub ?? [], `${indent}    `).map((s) => s.replace(/^(\s*)- /, '$1'))]);
}

function renderText(d: Described): string {
  const width = Math.max(...d.keys.map((k) => k.label.length));
  const out = [
    `${d.title} · ${d.scope}`,
    d.period,
    '',
    'DORA keys',
    ...d.keys.flatMap((k) => [
      `  ${k.label.padEnd(width)}  ${k.value}${k.level ? ` [${k.level}]` : ''} (${k.sample})`,
      `  ${''.padEnd(width)}  ${k.week.text}; ${k.month.text}`,
    ]),
    '',
    d.movers.heading,
    ...(d.movers.lines.length ? textLines(d.movers.lines) : [`  ${d.movers.empty}`]),
    '',
    d.failures.heading,
    ...(d.failures.lines.length ? textLines(d.failures.lines) : [`  ${d.failures.empty}`]),
    ...(d.failures.more ? [`  … and ${d.failures.more} more`] : []),
    '',
    'Adoption',
    ...textLines(d.adoption),
    '',
    'Developer survey',
    ...textLines(d.survey),
    '',
    d.health.ok ? 'Data health: nothing needs attention' : 'Data health: needs attention',
    ...textLines(d.health.lines),
    '',
    d.footer,
    ...(d.dashboard ? [`Open Paved: ${d.dashboard}`] : []),
  ];
  return `${out.join('\n')}\n`;
}

// ---------- Slack Block Kit ----------

/** Escapes text for Slack mrkdwn: only &, < and > are special. */
export function slackEscape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function slackLink(url: string, label: string): string {
  // Inside <url|label> neither part may hold | or >; the URL is already http(s) and percent-encodable.
  return `<${url.replaceAll('|', '%7C').replaceAll('>', '%3E')}|${slackEscape(label.replaceAll('|', '/'))}>`;
}

/** Cuts at a line end where possible so a limit never splits a word or an escape sequence. */
export function truncate(text: string, limit: number, marker = '\n…'): string {
  if (text.length <= limit) return text;
  const room = limit - marker.length;
  let cut = text.lastIndexOf('\n', room);
  if (cut < room / 2) cut = text.lastIndexOf(' ', room);
  if (cut < room / 2) cut = room;
  let head = text.slice(0, cut);
  // Never leave half an entity (&amp;) or half a link (<url|label>) behind.
  const amp = head.lastIndexOf('&');
  if (amp > head.lastIndexOf(';')) head = head.slice(0, amp);
  const open = head.lastIndexOf('<');
  if (open > head.lastIndexOf('>')) head = head.slice(0, open);
  return `${head}${marker}`;
}

const TONE_MARK: Record<Tone, string> = { better: ':large_green_circle:', worse: ':red_circle:', flat: ':white_circle:', none: ':white_circle:' };

function slackLines(lines: Line[], depth = 0): string[] {
  return lines.flatMap((l) => [
    `${depth ? '    ' : ''}• ${slackEscape(l.text)}${l.link ? ` ${slackLink(l.link.url, l.link.label)}` : ''}`,
    ...slackLines(l.sub ?? [], depth + 1),
  ]);
}

function section(heading: string, body: string[]): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(`*${slackEscape(heading)}*\n${body.join('\n')}`, SLACK_LIMITS.sectionText) } };
}

function renderSlack(d: Described, text: string): RenderedDigest['slack'] {
  const blocks: SlackBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${d.title} · ${d.scope}`, SLACK_LIMITS.headerText, '…'), emoji: true } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(d.period) }] },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: '*DORA keys* (vs last week · vs the 4 weeks before)' },
      fields: d.keys.slice(0, SLACK_LIMITS.fields).map((k) => ({
        type: 'mrkdwn' as const,
        text: truncate(`*${slackEscape(k.label)}*\n${slackEscape(k.value)}${k.level ? ` · ${k.level}` : ''} _(${slackEscape(k.sample)})_\n${TONE_MARK[k.week.tone]} ${slackEscape(k.week.text)}\n${slackEscape(k.month.text)}`, SLACK_LIMITS.fieldText),
      })),
    },
    { type: 'divider' },
    section(d.movers.heading, d.movers.lines.length ? slackLines(d.movers.lines) : [slackEscape(d.movers.empty)]),
    section(d.failures.heading, [
      ...(d.failures.lines.length ? slackLines(d.failures.lines) : [slackEscape(d.failures.empty)]),
      ...(d.failures.more ? [`… and ${d.failures.more} more`] : []),
    ]),
    section('Adoption', slackLines(d.adoption)),
    section('Developer survey', slackLines(d.survey)),
    section(d.health.ok ? 'Data health: nothing needs attention' : 'Data health: needs attention', slackLines(d.health.lines)),
    { type: 'divider' },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${slackEscape(d.footer)}${d.dashboard ? ` · ${slackLink(d.dashboard, 'Open Paved')}` : ''}` }] },
  ];
  return { text: truncate(text, SLACK_LIMITS.fallbackText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

// ---------- HTML (email and archive) ----------

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** Light colours with enough contrast that clients which invert them for dark mode stay readable. */
const C = { bg: '#f5f6f8', surface: '#ffffff', border: '#e1e4ea', text: '#171a21', muted: '#5f6776', accent: '#3457d5', better: '#17804a', worse: '#c2361f', flat: '#5f6776' };
const TONE_COLOUR: Record<Tone, string> = { better: C.better, worse: C.worse, flat: C.flat, none: C.flat };
const FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif";

function emailLink(link: Line['link']): string {
  return link ? ` <a href="${escapeHtml(link.url)}" style="color:${C.accent};" class="pv-link">${escapeHtml(link.label)}</a>` : '';
}

function emailList(lines: Line[]): string {
  if (!lines.length) return '';
  return `<ul style="margin:4px 0 0 0;padding-left:18px;">${lines.map((l) => `<li style="margin:2px 0;">${escapeHtml(l.text)}${emailLink(l.link)}${l.sub?.length ? `<div class="pv-muted" style="color:${C.muted};font-size:13px;">${l.sub.map((s) => `${escapeHtml(s.text)}${emailLink(s.link)}`).join('<br>')}</div>` : ''}</li>`).join('')}</ul>`;
}

function emailSection(heading: string, inner: string): string {
  return `<tr><td class="pv-card" style="padding:14px 24px;border-top:1px solid ${C.border};background:${C.surface};color:${C.text};" bgcolor="${C.surface}"><h2 style="margin:0 0 4px 0;font-size:15px;line-height:1.3;color:${C.text};" class="pv-text">${escapeHtml(heading)}</h2>${inner}</td></tr>`;
}

function renderEmail(d: Described): string {
  const keyRows = d.keys.map((k) => `<tr>
<td class="pv-line" style="padding:6px 8px 6px 0;border-bottom:1px solid ${C.border};vertical-align:top;"><strong class="pv-text" style="color:${C.text};">${escapeHtml(k.label)}</strong><div class="pv-muted" style="color:${C.muted};font-size:12px;">${escapeHtml(k.sample)}</div></td>
<td class="pv-text pv-line" style="padding:6px 8px;border-bottom:1px solid ${C.border};vertical-align:top;white-space:nowrap;font-weight:700;">${escapeHtml(k.value)}${k.level ? `<div class="pv-muted" style="color:${C.muted};font-size:12px;font-weight:400;">${escapeHtml(k.level)}</div>` : ''}</td>
<td class="pv-line" style="padding:6px 0 6px 8px;border-bottom:1px solid ${C.border};vertical-align:top;font-size:13px;"><span style="color:${TONE_COLOUR[k.week.tone]};font-weight:600;" class="pv-${k.week.tone}">${escapeHtml(k.week.text)}</span><br><span style="color:${TONE_COLOUR[k.month.tone]};" class="pv-${k.month.tone}">${escapeHtml(k.month.text)}</span></td>
</tr>`).join('');
  const failures = d.failures.lines.length
    ? `${emailList(d.failures.lines)}${d.failures.more ? `<p class="pv-muted" style="margin:4px 0 0 0;color:${C.muted};">… and ${d.failures.more} more</p>` : ''}`
    : `<p style="margin:0;">${escapeHtml(d.failures.empty)}</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>${escapeHtml(d.subject)}</title>
<style>
@media (prefers-color-scheme: dark) {
  .pv-body { background: #0e1014 !important; }
  .pv-card { background: #161920 !important; color: #e9ebf0 !important; border-color: #272c37 !important; }
  .pv-text { color: #e9ebf0 !important; }
  .pv-muted, .pv-flat, .pv-none { color: #9aa2b1 !important; }
  .pv-better { color: #4fca8c !important; }
  .pv-worse { color: #ff8a73 !important; }
  .pv-link { color: #8aa4ff !important; }
  .pv-line { border-color: #272c37 !important; }
}
</style>
</head>
<body class="pv-body" style="margin:0;padding:0;background:${C.bg};${FONT};">
<table role="presentation" class="pv-body" width="100%" cellpadding="0" cellspacing="0" border="0" bgcolor="${C.bg}" style="background:${C.bg};">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" class="pv-card" width="640" cellpadding="0" cellspacing="0" border="0" bgcolor="${C.surface}" style="width:100%;max-width:640px;background:${C.surface};border:1px solid ${C.border};border-radius:10px;color:${C.text};font-size:14px;line-height:1.45;${FONT};">
<tr><td class="pv-card" style="padding:20px 24px 12px 24px;background:${C.surface};color:${C.text};" bgcolor="${C.surface}">
<div class="pv-muted" style="color:${C.muted};font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:0.04em;">${escapeHtml(d.scope)}</div>
<h1 class="pv-text" style="margin:2px 0 2px 0;font-size:20px;line-height:1.25;color:${C.text};">${escapeHtml(d.title)}</h1>
<div class="pv-muted" style="color:${C.muted};font-size:13px;">${escapeHtml(d.period)}</div>
</td></tr>
${emailSection('DORA keys', `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;font-size:14px;">${keyRows}</table>`)}
${emailSection(d.movers.heading, d.movers.lines.length ? emailList(d.movers.lines) : `<p style="margin:0;">${escapeHtml(d.movers.empty)}</p>`)}
${emailSection(d.failures.heading, failures)}
${emailSection('Adoption', emailList(d.adoption))}
${emailSection('Developer survey', emailList(d.survey))}
${emailSection(d.health.ok ? 'Data health: nothing needs attention' : 'Data health: needs attention', emailList(d.health.lines))}
<tr><td class="pv-card pv-muted" style="padding:12px 24px 18px 24px;border-top:1px solid ${C.border};color:${C.muted};font-size:12px;background:${C.surface};" bgcolor="${C.surface}">${escapeHtml(d.footer)}${d.dashboard ? ` · <a href="${escapeHtml(d.dashboard)}" style="color:${C.accent};" class="pv-link">Open Paved</a>` : ''}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

const TONE_CLASS: Record<Tone, string> = { better: 'good', worse: 'bad', flat: 'flat', none: 'none' };

function archiveLink(link: Line['link']): string {
  return link ? ` <a href="${escapeHtml(link.url)}" rel="noopener noreferrer">${escapeHtml(link.label)}</a>` : '';
}

function archiveList(lines: Line[]): string {
  return `<ul class="digest-list">${lines.map((l) => `<li>${escapeHtml(l.text)}${archiveLink(l.link)}${l.sub?.length ? `<div class="muted">${l.sub.map((s) => `${s.tone ? `<span class="delta ${TONE_CLASS[s.tone]}">${escapeHtml(s.text)}</span>` : escapeHtml(s.text)}${archiveLink(s.link)}`).join('<br>')}</div>` : ''}</li>`).join('')}</ul>`;
}

function archiveCard(heading: string, inner: string): string {
  return `<section class="card"><div class="card-head"><div><h2>${escapeHtml(heading)}</h2></div></div>${inner}</section>`;
}

function renderArchive(d: Described): string {
  const stats = d.keys.map((k) => `<div class="stat"><div class="stat-label">${escapeHtml(k.label)}</div><div class="stat-value">${escapeHtml(k.value)}${k.level ? ` <small>${escapeHtml(k.level)}</small>` : ''}</div><div class="stat-note"><span class="delta ${TONE_CLASS[k.week.tone]}">${escapeHtml(k.week.text)}</span><br><span class="delta ${TONE_CLASS[k.month.tone]}">${escapeHtml(k.month.text)}</span><br>${escapeHtml(k.sample)}</div></div>`).join('');
  const failures = d.failures.lines.length ? `${archiveList(d.failures.lines)}${d.failures.more ? `<p class="muted">… and ${d.failures.more} more</p>` : ''}` : `<p class="empty-inline">${escapeHtml(d.failures.empty)}</p>`;
  return [
    `<article class="digest" aria-label="${escapeHtml(`${d.title} · ${d.scope}`)}">`,
    `<p class="muted">${escapeHtml(d.scope)} · ${escapeHtml(d.period)}</p>`,
    `<div class="stats" aria-label="DORA keys">${stats}</div>`,
    `<div class="grid two">${archiveCard(d.movers.heading, d.movers.lines.length ? archiveList(d.movers.lines) : `<p class="empty-inline">${escapeHtml(d.movers.empty)}</p>`)}${archiveCard('Adoption', archiveList(d.adoption))}</div>`,
    archiveCard(d.failures.heading, failures),
    `<div class="grid two">${archiveCard('Developer survey', archiveList(d.survey))}${archiveCard(d.health.ok ? 'Data health: nothing needs attention' : 'Data health: needs attention', archiveList(d.health.lines))}</div>`,
    `<p class="muted">${escapeHtml(d.footer)}</p>`,
    '</article>',
  ].join('');
}

// ---------- Markdown ----------

/** Escapes Markdown's inline syntax so data shows as typed. */
export function markdownEscape(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>~])/g, '\\$1');
}

function markdownLines(lines: Line[], indent = ''): string[] {
  return lines.flatMap((l) => [
    `${indent}- ${markdownEscape(l.text)}${l.link ? ` ([${markdownEscape(l.link.label)}](<${l.link.url.replaceAll('>', '%3E')}>))` : ''}`,
    ...markdownLines(l.sub ?? [], `${indent}  `),
  ]);
}

function renderMarkdown(d: Described): string {
  return [
    `# ${markdownEscape(d.title)} · ${markdownEscape(d.scope)}`,
    '',
    `_${markdownEscape(d.period)}_`,
    '',
    '## DORA keys',
    '',
    '| key | this week | vs last week | vs the 4 weeks before |',
    '|---|---|---|---|',
    ...d.keys.map((k) => `| ${markdownEscape(k.label)} | ${markdownEscape(k.value)}${k.level ? ` (${k.level})` : ''} | ${markdownEscape(k.week.text)} | ${markdownEscape(k.month.text)} |`),
    '',
    `## ${markdownEscape(d.movers.heading)}`,
    '',
    ...(d.movers.lines.length ? markdownLines(d.movers.lines) : [markdownEscape(d.movers.empty)]),
    '',
    `## ${markdownEscape(d.failures.heading)}`,
    '',
    ...(d.failures.lines.length ? markdownLines(d.failures.lines) : [markdownEscape(d.failures.empty)]),
    ...(d.failures.more ? ['', `… and ${d.failures.more} more`] : []),
    '',
    '## Adoption',
    '',
    ...markdownLines(d.adoption),
    '',
    '## Developer survey',
    '',
    ...markdownLines(d.survey),
    '',
    '## Data health',
    '',
    ...markdownLines(d.health.lines),
    '',
    `_${markdownEscape(d.footer)}_`,
    '',
  ].join('\n');
}

/** Every form of one digest. */
export function renderDigest(content: DigestContent): RenderedDigest {
  const d = describe(content);
  const text = renderText(d);
  return { subject: d.subject, text, html: renderEmail(d), slack: renderSlack(d, text), markdown: renderMarkdown(d), archiveHtml: renderArchive(d) };
}

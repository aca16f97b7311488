import { describe, expect, it } from 'vitest';
import { teamSlackVariable } from '../src/digest/channels.js';
import { biggestMovers, DigestContent, type FailedDeployment } from '../src/digest/content.js';
import { versionOf } from '../src/digest/ledger.js';
import { changeOf, renderDigest, SLACK_LIMITS, truncate } from '../src/digest/render.js';
import { messageIdOf } from '../src/digest/scheduler.js';
import { isoWeekOf, lastCompleteWeek, parseIsoWeek, shiftWeek } from '../src/digest/week.js';
import type { RankingRow } from '@paved/transform';
import { blockKitProblems } from './digest.standins.js';

function content(overrides: Partial<DigestContent> = {}): DigestContent {
  return DigestContent.parse({
    version: 1,
    week: { id: '2026-W47', from: '2026-11-16', to: '2026-11-23' },
    team: null,
    generatedAt: '2026-11-23T09:00:00.000Z',
    profile: '2023',
    publicUrl: 'https://paved.example.com',
    keys: [
      { key: 'deploymentFrequency', value: 5, previousWeek: 6, fourWeeks: 1.5, level: 'high', sample: '5 deployments' },
      { key: 'leadTime', value: 2, previousWeek: 2, fourWeeks: 2, level: 'elite', sample: '5 changes' },
      { key: 'changeFailureRate', value: 0.2, previousWeek: 0, fourWeeks: 0, level: 'medium', sample: '1 of 5 deployments' },
      { key: 'recovery', value: 5, previousWeek: null, fourWeeks: null, level: 'elite', sample: '1 recovered failures' },
      { key: 'reworkRate', value: 0, previousWeek: 0, fourWeeks: 0, level: null, sample: '0 of 5 deployments' },
    ],
    movers: { by: 'team', rows: [{ name: 'search', team: 'search', key: 'deploymentFrequency', value: 1, previous: 4, score: 1.32, deployments: 1, previousDeployments: 4 }] },
    failures: { total: 0, shown: [] },
    adoption: { deployments: 5, previousDeployments: 6, goldenShare: 0.8, previousGoldenShare: 0.3333, platformShare: 0, previousPlatformShare: 0 },
    survey: null,
    health: { sources: [], deadLetters: 0, deadLetterReasons: [], changeSetCoverage: 1, unmappedRepos: 0, unmappedIncidents: 0, lastTransform: null, problems: [] },
    ...overrides,
  });
}

function failure(i: number, evidence: string): FailedDeployment {
  return {
    id: `deploy-${i}`, service: `service-${i}`, team: 'payments', repo: 'acme/billing', sha: 'a'.repeat(40), deployedAt: '2026-11-17 10:00:00.000',
    url: `https://ci.example.com/run/${i}`, recoveryHours: 3,
    links: [{ method: 'explicit', evidence, otherDeploymentId: null, incident: { id: `INC-${i}`, title: 'Checkout down', severity: 'high', status: 'resolved', url: 'https://pd.example.com/i/1', openedAt: '2026-11-17 11:00:00.000' } }],
  };
}

describe('ISO weeks', () => {
  it('2026-W47 is Monday 16 to Sunday 22 November 2026, as a [from, to) window', () => {
    expect(parseIsoWeek('2026-W47')).toEqual({ id: '2026-W47', from: '2026-11-16', to: '2026-11-23' });
  });

  it('week 1 holds 4 January, so it can start in December; week 53 exists only in long years', () => {
    expect(parseIsoWeek('2026-W01')).toEqual({ id: '2026-W01', from: '2025-12-29', to: '2026-01-05' });
    expect(parseIsoWeek('2026-W53')?.from).toBe('2026-12-28');
    expect(parseIsoWeek('2025-W53')).toBeNull();
    expect(isoWeekOf(new Date('2027-01-01T12:00:00Z')).id).toBe('2026-W53');
  });

  it('the last complete week on Monday morning is the week that ended at midnight', () => {
    expect(lastCompleteWeek(new Date('2026-11-23T09:00:00Z')).id).toBe('2026-W47');
    expect(lastCompleteWeek(new Date('2026-11-22T23:59:59Z')).id).toBe('2026-W46');
    expect(shiftWeek(parseIsoWeek('2026-W01')!, -1).id).toBe('2025-W52');
  });
});

describe('renderDigest', () => {
  it('says the week, the keys with week-over-week and 4-week change, movers, adoption and "no survey results"', () => {
    const { text, subject } = renderDigest(content());
    expect(subject).toBe('Paved weekly digest 2026-W47: organisation');
    expect(text).toContain('16–22 Nov 2026');
    expect(text).toMatch(/Deployment frequency\s+5\/week \[high\] \(5 deployments\)/);
    expect(text).toContain('▼ −17 % vs last week (worse)');
    expect(text).toContain('▲ +233 % vs the 4 weeks before (better)');
    expect(text).toContain('▲ +20.0 pp vs last week (worse)');
    expect(text).toMatch(/Lead time for changes\s+2\.0 h/);
    expect(text).toContain('about the same as last week');
    expect(text).toContain('search: Deployment frequency 4 → 1 deployments');
    expect(text).toContain('Golden-path share of deployments: 80 % (▲ +46.7 pp vs the week before)');
    expect(text).toContain('No survey results.');
    expect(text).toContain('No failed deployments this week.');
  });

  it('rates change in percentage points, other keys in percent, and direction decides better or worse', () => {
    expect(changeOf('changeFailureRate', 0.1, 0.2, 'last week')).toEqual({ text: '▼ −10.0 pp vs last week (better)', tone: 'better' });
    expect(changeOf('leadTime', 30, 20, 'last week')).toEqual({ text: '▲ +50 % vs last week (worse)', tone: 'worse' });
    expect(changeOf('deploymentFrequency', 3, 0, 'last week').text).toBe('▲ from 0/week vs last week (better)');
    expect(changeOf('recovery', 2, null, 'last week')).toEqual({ text: 'no data last week', tone: 'none' });
  });

  it('escapes every value: HTML in the email and archive, mrkdwn in Slack, Markdown in the archive', () => {
    const evil = '<script>alert("x")</script> & <@U123|everyone>';
    const c = content({ team: evil, failures: { total: 1, shown: [{ ...failure(1, evil), url: 'javascript:alert(1)' }] }, survey: { title: evil, respondents: 12, participationRate: 0.5, lines: [evil] } });
    const r = renderDigest(c);
    for (const html of [r.html, r.archiveHtml]) {
      expect(html).not.toContain('<script>');
      expect(html).not.toContain('javascript:');
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;@U123|everyone&gt;');
    }
    // plain_text (the header) is shown as typed; mrkdwn is parsed, so it is escaped.
    const slack = JSON.stringify(r.slack.blocks.filter((b) => b.type !== 'header'));
    expect(r.slack.blocks[0]!.text!.type).toBe('plain_text');
    expect(slack).not.toContain('<script>');
    expect(slack).not.toContain('<@U123');
    expect(slack).toContain('&lt;@U123|everyone&gt;');
    expect(r.markdown).toContain('\\<script\\>');
  });

  it('keeps Slack within its limits however much there is to say', () => {
    const long = 'evidence '.repeat(400);
    const c = content({ failures: { total: 250, shown: Array.from({ length: 60 }, (_, i) => failure(i, long)) }, health: { ...content().health, problems: Array.from({ length: 200 }, (_, i) => `problem ${i} ${'x'.repeat(100)}`) } });
    const { slack } = renderDigest(c);
    expect(blockKitProblems(slack)).toEqual([]);
    expect(slack.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
    expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'context', 'section', 'divider', 'section', 'section', 'section', 'section', 'section', 'divider', 'context']);
    expect(slack.blocks[5]!.text!.text).toContain('Failed deployments (250)');
  });

  it('truncation never leaves half an escape or half a link behind', () => {
    const text = `${'a'.repeat(20)} &amp; <https://x.example.com|link> tail`;
    for (let limit = 12; limit < text.length; limit += 1) {
      const cut = truncate(text, limit, '…');
      expect(cut.length).toBeLessThanOrEqual(limit);
      expect(cut).not.toMatch(/&[a-z]*…$/);
      expect(cut).not.toMatch(/<[^>]*…$/);
    }
  });

  it('the email is a table layout with inline styles, light colours and dark-mode overrides', () => {
    const { html } = renderDigest(content());
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain('@media (prefers-color-scheme: dark)');
    expect(html).toContain('role="presentation"');
    expect(html).toMatch(/<td[^>]+style="[^"]*color:#171a21/);
  });
});

describe('biggest movers', () => {
  const row = (key: string, deployments: number, cfr: number | null, lead: number | null): RankingRow => ({
    key, team: key, golden_path: false, services: 1, deployments, per_week: deployments, per_service_per_week: deployments, failed: 0, change_failure_rate: cfr, recovery_p50: null, rework_rate: 0, lead_p50: lead, changes: deployments,
  });

  it('ranks teams by their largest move on any key and ignores rates on too few deployments', () => {
    const now = [row('a', 4, 0.5, 2), row('b', 1, 0, 2), row('c', 10, 0.1, 2.2), row('d', 2, 1, 2)];
    const before = [row('a', 4, 0, 2), row('b', 4, 0, 2), row('c', 10, 0.1, 2), row('d', 2, 0, 2)];
    const movers = biggestMovers(now, before);
    expect(movers.map((m) => [m.name, m.key])).toEqual([['a', 'changeFailureRate'], ['b', 'deploymentFrequency']]);
    expect(movers[0]!.score).toBe(2);
  });

  it('a team that stopped deploying is a mover', () => {
    expect(biggestMovers([], [row('gone', 7, 0, 1)])).toMatchObject([{ name: 'gone', key: 'deploymentFrequency', deployments: 0, previousDeployments: 7, value: 0 }]);
  });
});

describe('delivery plumbing', () => {
  it('ledger versions order attempts, then stages, and make the earliest claim of an attempt win', () => {
    expect(versionOf(1, 'sent')).toBeLessThan(versionOf(2, 'pending', Date.now()));
    expect(versionOf(1, 'pending', Date.now())).toBeLessThan(versionOf(1, 'sending'));
    expect(versionOf(1, 'uncertain')).toBeLessThan(versionOf(1, 'sent'));
    expect(versionOf(1, 'pending', 1_000)).toBeGreaterThan(versionOf(1, 'pending', 2_000));
    expect(Number.isSafeInteger(versionOf(255, 'sent'))).toBe(true);
  });

  it('names per-team Slack variables and Message-IDs predictably', () => {
    expect(teamSlackVariable('payments-core')).toBe('SLACK_WEBHOOK_URL_PAYMENTS_CORE');
    expect(messageIdOf({ week: '2026-W47', team: '' }, 'Paved <paved@example.com>')).toMatch(/^<digest\.2026-W47\.organisation\.[0-9a-f]{8}@example\.com>$/);
  });
});

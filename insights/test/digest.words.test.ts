/**
 * How a digest names things: deployments by repository and pull request (ids only as link
 * targets), incidents by title, durations by Paved's one rule (hours under 48 h, days from 48 h).
 */
import { describe, expect, it } from 'vitest';
import { DigestContent, deploymentLabel, type FailedDeployment } from '../src/digest/content.js';
import { humanEvidence, renderDigest } from '../src/digest/render.js';

const FAILED = 'github:acme/platform-monorepo:1916803082';
const ROLLBACK = 'github:acme/platform-monorepo:1916809999';
const INCIDENT = 'pagerduty:Q1ABCDEF';

function failure(overrides: Partial<FailedDeployment> = {}): FailedDeployment {
  return {
    id: FAILED, service: 'checkout', team: 'payments', repo: 'acme/platform-monorepo', sha: 'b1c2d3e4f5'.repeat(4), deployedAt: '2026-11-17 10:00:00.000',
    url: null, recoveryHours: 95.6, prs: [1234],
    links: [
      { method: 'inferred', evidence: `incident ${INCIDENT} opened 1.5 h after this deployment, before the service's next one (window 24 h)`, otherDeploymentId: null, otherDeploymentLabel: null, incident: { id: INCIDENT, title: 'Checkout errors', severity: 'high', status: 'resolved', url: 'https://acme.pagerduty.com/incidents/Q1ABCDEF', openedAt: '2026-11-17 11:30:00.000' } },
      { method: 'rollback', evidence: `deployment ${ROLLBACK} rolled back to already-deployed 0123456789ab`, otherDeploymentId: ROLLBACK, otherDeploymentLabel: 'acme/platform-monorepo PR #1230', incident: null },
    ],
    ...overrides,
  };
}

function content(shown: FailedDeployment[], recovery = 95.6): DigestContent {
  return DigestContent.parse({
    version: 1,
    week: { id: '2026-W47', from: '2026-11-16', to: '2026-11-23' },
    team: null,
    generatedAt: '2026-11-23T09:00:00.000Z',
    profile: '2023',
    publicUrl: 'https://paved.example.com',
    keys: [
      { key: 'deploymentFrequency', value: 5, previousWeek: 6, fourWeeks: 1.5, level: 'high', sample: '5 deployments' },
      { key: 'leadTime', value: 91.2, previousWeek: 40, fourWeeks: 47.4, level: 'high', sample: '5 changes' },
      { key: 'changeFailureRate', value: 0.2, previousWeek: 0, fourWeeks: 0, level: 'medium', sample: '1 of 5 deployments' },
      { key: 'recovery', value: recovery, previousWeek: null, fourWeeks: null, level: 'low', sample: '1 recovered failures' },
      { key: 'reworkRate', value: 0, previousWeek: 0, fourWeeks: 0, level: null, sample: '0 of 5 deployments' },
    ],
    movers: { by: 'team', rows: [{ name: 'search', team: 'search', key: 'leadTime', value: 50, previous: 30, score: 1.32, deployments: 1, previousDeployments: 4 }] },
    failures: { total: shown.length, shown },
    adoption: { deployments: 5, previousDeployments: 6, goldenShare: 0.8, previousGoldenShare: 0.3333, platformShare: 0, previousPlatformShare: 0 },
    survey: null,
    health: { sources: [], deadLetters: 0, deadLetterReasons: [], changeSetCoverage: 1, unmappedRepos: 0, unmappedIncidents: 0, lastTransform: null, problems: [] },
  });
}

/** What a reader sees: the text, and the HTML and Slack forms with link targets taken out. */
function visible(c: DigestContent): string[] {
  const r = renderDigest(c);
  return [
    r.text.replace(/<https?:[^>]+>/g, ''),
    r.html.replace(/href="[^"]*"/g, ''),
    r.slack.blocks.map((b) => JSON.stringify(b)).join('\n').replace(/<https?:[^|>]+\|/g, '<'),
    // Markdown escapes punctuation ("4\.0 d", "PR \#1234"): read it unescaped.
    r.markdown.replace(/\]\([^)]*\)/g, ']').replace(/\\(.)/g, '$1'),
    r.archiveHtml.replace(/href="[^"]*"/g, ''),
  ];
}

describe('digest words', () => {
  it('names a failed deployment by repository and pull request, never by its id; the id stays a link target', () => {
    const c = content([failure()]);
    for (const form of visible(c)) {
      expect(form).not.toContain('1916803082');
      expect(form).not.toContain('1916809999');
      expect(form).not.toContain(INCIDENT);
      expect(form).toContain('acme/platform-monorepo PR #1234');
    }
    const { text } = renderDigest(c);
    expect(text).toContain('checkout (payments): acme/platform-monorepo PR #1234, deployed Tue 17 Nov 10:00 UTC');
    expect(text).toContain('rolled back: deployment acme/platform-monorepo PR #1230 rolled back to already-deployed 0123456789ab');
    expect(text).toContain('inferred from incident timing: incident "Checkout errors" (high, resolved); incident "Checkout errors" opened 1.5 h after this deployment');
    // Without a deployment URL the line links to the evidence in Paved, by id.
    expect(text).toContain(`deployment=${encodeURIComponent(FAILED)}`);
  });

  it('falls back to the sha without pull requests, and to a few PRs then a count', () => {
    expect(deploymentLabel({ repo: 'acme/cart', sha: 'abcdef0123', prs: [] })).toBe('acme/cart at abcdef0');
    expect(deploymentLabel({ repo: 'acme/cart', sha: null })).toBe('acme/cart');
    expect(deploymentLabel({ repo: 'acme/cart', sha: null, prs: [4, 7] })).toBe('acme/cart PRs #4, #7');
    expect(deploymentLabel({ repo: 'acme/cart', sha: null, prs: [4, 7, 9, 11] })).toBe('acme/cart PRs #4, #7 and 2 more');
    // Digests stored before labels existed still render.
    const old = failure({ prs: undefined, links: [] });
    expect(renderDigest(content([old])).text).toContain('checkout (payments): acme/platform-monorepo at b1c2d3e, deployed');
  });

  it('replaces the longest id first, so an id inside another is not cut', () => {
    expect(humanEvidence('deployment d:1 and deployment d:12', [['d:1', 'one'], ['d:12', 'twelve']])).toBe('deployment one and deployment twelve');
  });

  it('writes durations by one rule: hours under 48 h, days from 48 h, in every form', () => {
    const c = content([failure()]);
    for (const form of visible(c)) {
      expect(form).toContain('4.0 d'); // recovery 95.6 h
      expect(form).toContain('3.8 d'); // lead time 91.2 h
      expect(form).not.toMatch(/95\.6 h|91\.2 h|\d wk/);
    }
    expect(renderDigest(c).text).toContain('recovered after 4.0 d');
    expect(renderDigest(c).text).toMatch(/search: Lead time for changes 30 h → 2\.1 d/);
    expect(renderDigest(content([], 47.4)).text).toMatch(/Failed deployment recovery\s+47 h/);
    // Long durations stay in days (they used to turn into weeks: "2.9 wk").
    expect(renderDigest(content([], 480)).text).toMatch(/Failed deployment recovery\s+20 d/);
  });

  it('says which way levels go', () => {
    expect(renderDigest(content([])).text).toContain('levels best to worst: elite, high, medium, low (low is bad news whatever the number)');
  });
});

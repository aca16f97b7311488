/**
 * The developer-experience survey and two rounds of anonymous answers. Answers follow what the
 * simulation makes each team do (slow reviews → low code-review scores, release trains → hard
 * deployments, golden path → happier with the platform), so survey and telemetry tell one story.
 */
import { SurveyDefinition, type SurveyResponse } from '@paved/schemas';
import { addUtcMonths, DAY, HOUR, instant, MINUTE, startOfUtcDay, weekdayOf } from './calendar.js';
import { CADENCES, type OrgModel, type TeamModel } from './org.js';
import { Random } from './random.js';

interface DriverText {
  id: string;
  label: string;
  description: string;
  items: { text: string; reversed?: boolean }[];
}

const DRIVERS: DriverText[] = [
  { id: 'build_test_speed', label: 'Build and test speed', description: 'How quickly local and CI builds and tests give feedback.', items: [
    { text: 'I get feedback from CI on a change quickly enough to stay focused on it.' },
    { text: 'Running the tests I need locally takes little enough time that I run them often.' },
  ] },
  { id: 'ci_reliability', label: 'CI reliability', description: 'Whether pipelines fail only for real problems.', items: [
    { text: 'When a pipeline fails, it is because of a real problem in the change.' },
    { text: 'I rarely re-run a pipeline just to get it green.' },
  ] },
  { id: 'ease_of_deployment', label: 'Ease of deployment', description: 'How much effort and ceremony it takes to get a change to production.', items: [
    { text: 'Getting a merged change into production takes no manual effort from me.' },
    { text: 'I am confident a deployment will not surprise me.' },
  ] },
  { id: 'code_review', label: 'Code review', description: 'Turnaround and usefulness of reviews.', items: [
    { text: 'My pull requests get a first review soon after I ask for one.' },
    { text: 'Reviews I receive improve the change rather than just delay it.' },
  ] },
  { id: 'documentation', label: 'Documentation', description: 'Finding accurate information about systems and tools.', items: [
    { text: 'I can find up-to-date documentation for the services I depend on.' },
    { text: 'I rarely need to interrupt someone to learn how a system works.' },
  ] },
  { id: 'cognitive_load', label: 'Cognitive load', description: 'How much unrelated complexity a task drags in.', items: [
    { text: 'I can make a typical change without having to understand many other systems.' },
    { text: 'I often have to juggle more tools and services than the task really needs.', reversed: true },
  ] },
  { id: 'flow_focus', label: 'Flow and focus', description: 'Uninterrupted time for deep work.', items: [
    { text: 'Most weeks I get several long stretches of uninterrupted work.' },
    { text: 'Unplanned work seldom pushes aside what I planned to do.' },
  ] },
  { id: 'on_call', label: 'On-call', description: 'The burden and quality of on-call.', items: [
    { text: 'Pages I receive are actionable and worth waking up for.' },
    { text: 'When something breaks, I have what I need to restore service quickly.' },
  ] },
  { id: 'platform_satisfaction', label: 'Platform satisfaction', description: 'How well the internal platform serves the team.', items: [
    { text: 'The internal platform makes the common path the easy path for my team.' },
    { text: 'When the platform does not fit our needs, the platform team listens and adapts.' },
  ] },
];

export function surveyDefinition(): SurveyDefinition {
  return SurveyDefinition.parse({
    id: 'developer-experience',
    version: 1,
    title: 'Developer experience survey',
    intro: 'Ten minutes, anonymous: answers are only shown for groups of at least five people. Tell us where your day gets harder than it should be.',
    drivers: DRIVERS.map((d) => ({
      id: d.id,
      label: d.label,
      description: d.description,
      items: d.items.map((item, i) => ({ id: `${d.id}_${i + 1}`, kind: 'likert', text: item.text, scale: 'agreement', reversed: item.reversed ?? false })),
    })),
    extra_items: [
      { id: 'enps', kind: 'enps', text: 'How likely are you to recommend our internal platform to a colleague?' },
      { id: 'hours_lost', kind: 'hours_lost', text: 'In a typical week, how many hours do you lose to friction in tools, processes or waiting?', max: 40 },
      { id: 'biggest_friction', kind: 'free_text', text: 'What is the single biggest thing slowing you down?', optional: true },
    ],
  });
}

export interface Campaign {
  id: string;
  opensAt: number;
  closesAt: number;
}

/** Two rounds: about five months and one month before the end of the history, named by quarter. */
export function surveyCampaigns(until: number): Campaign[] {
  return [5, 1].map((monthsBefore) => {
    let opensAt = startOfUtcDay(addUtcMonths(until, -monthsBefore));
    while (weekdayOf(opensAt) !== 1) opensAt += DAY;
    opensAt += 8 * HOUR;
    const date = new Date(opensAt);
    return { id: `${date.getUTCFullYear()}-q${Math.floor(date.getUTCMonth() / 3) + 1}`, opensAt, closesAt: Math.min(opensAt + 14 * DAY, until - MINUTE) };
  });
}

const FRICTION: Record<string, string[]> = {
  build_test_speed: ['CI takes longer than the change itself for small fixes.', 'The test suite is slow enough that I push and hope.', 'Waiting on builds, every day.'],
  ci_reliability: ['Flaky integration tests: I re-run pipelines several times a day.', 'Red builds on main that nobody seems to own.'],
  ease_of_deployment: ['Releases wait for the weekly train and a manual sign-off.', 'Deploying still means following a long runbook by hand.', 'Getting to production needs three approvals.'],
  code_review: ['Pull requests wait a day or more for a first review.', 'Reviews bounce back and forth over style nits.', 'Hard to find a reviewer who knows the code.'],
  documentation: ['Docs are out of date, so I ask in Slack instead.', 'Hard to find out how other teams\' APIs behave.'],
  cognitive_load: ['Too many services and tools to keep in my head.', 'Every repository is set up differently.'],
  flow_focus: ['Constant interruptions from support questions.', 'Too many meetings to get a long stretch of focus.'],
  on_call: ['Pages at night for alerts that are not actionable.', 'On-call is stressful; runbooks are missing for half our alerts.'],
  platform_satisfaction: ['The golden path does not cover our use case yet.', 'Platform tooling changes without enough notice.'],
};
const PRAISE = ['The new deploy pipeline made releasing a non-event.', 'Templates got our new service to production in a day.', 'Honestly not much, things are in good shape.'];

interface TeamClimate {
  means: Record<string, number>;
  responseRate: number;
}

function clamp(x: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, x));
}

/** What a team experiences at time `at`, on the 1-5 agreement scale, per driver. */
function climate(team: TeamModel, at: number, round: number, noise: Record<string, number>): Record<string, number> {
  const services = team.services.filter((s) => s.createdAt <= at);
  const goldenShare = services.length ? services.filter((s) => s.goldenSince !== null && s.goldenSince <= at).length / services.length : 0;
  const docsShare = services.length ? services.filter((s) => s.techdocs).length / services.length : 0;
  const p = team.profile;
  const failure = p.failureRate * (1 - 0.6 * goldenShare);
  const cadence = CADENCES.indexOf(p.cadence) + goldenShare * (team.tier === 'elite' ? 0 : 1.2);
  const tierBonus = { elite: 0.9, high: 0.5, medium: 0.1, low: -0.3 }[team.tier];
  const perDev = services.length / Math.max(1, team.developers.length);
  const means: Record<string, number> = {
    build_test_speed: 2.5 + tierBonus + 0.8 * goldenShare,
    ci_reliability: 4.4 - 6 * failure + 0.3 * goldenShare,
    ease_of_deployment: 1.8 + 0.6 * cadence,
    code_review: 4.6 - 0.65 * Math.log1p(p.pickupHours),
    documentation: 2.7 + 0.9 * docsShare,
    cognitive_load: 3.7 - 1.4 * Math.max(0, perDev - 0.3) + 0.3 * goldenShare,
    flow_focus: 3.7 - 0.3 * Math.log1p(p.recoveryHours),
    on_call: 4.2 - 0.4 * Math.log1p(p.recoveryHours) - 2 * failure,
    platform_satisfaction: 2.6 + 1.5 * goldenShare,
  };
  // Golden-path teams feel the platform getting better between rounds (it matures as they use it).
  for (const key of ['build_test_speed', 'ci_reliability', 'ease_of_deployment', 'cognitive_load', 'platform_satisfaction']) {
    means[key] = (means[key] ?? 3) + round * 0.3 * goldenShare;
  }
  for (const key of Object.keys(means)) means[key] = clamp((means[key] ?? 3) + (noise[key] ?? 0), 1.3, 4.7);
  return means;
}

export function* surveyResponses(model: OrgModel, definition: SurveyDefinition, campaigns: Campaign[]): Generator<SurveyResponse> {
  const rng = new Random(model.seed, `survey:${model.scale}`);
  const teamNoise = new Map<string, Record<string, number>>();
  for (const team of model.teams) teamNoise.set(team.name, Object.fromEntries(DRIVERS.map((d) => [d.id, rng.normal() * 0.25])));
  const reversed = new Set(definition.drivers.flatMap((d) => d.items.filter((i) => i.reversed).map((i) => i.id)));

  for (const [round, campaign] of campaigns.entries()) {
    const responses: SurveyResponse[] = [];
    for (const team of model.teams) {
      const c: TeamClimate = { means: climate(team, campaign.opensAt, round, teamNoise.get(team.name) ?? {}), responseRate: clamp(0.72 + rng.normal() * 0.07, 0.55, 0.9) };
      for (const dev of team.developers) {
        if (!rng.chance(c.responseRate)) continue;
        const bias = rng.normal() * 0.35;
        const answers: Record<string, number | null> = {};
        const driverScores: { id: string; score: number }[] = [];
        for (const driver of definition.drivers) {
          let mean = c.means[driver.id] ?? 3;
          if (dev.tenure === '<1y' && (driver.id === 'documentation' || driver.id === 'cognitive_load')) mean -= 0.35;
          driverScores.push({ id: driver.id, score: mean + bias });
          for (const item of driver.items) {
            if (rng.chance(0.02)) {
              answers[item.id] = null;
              continue;
            }
            const agreement = clamp(Math.round(mean + bias + rng.normal() * 0.6), 1, 5);
            answers[item.id] = reversed.has(item.id) ? 6 - agreement : agreement;
          }
        }
        const platform = c.means.platform_satisfaction ?? 3;
        answers.enps = rng.chance(0.03) ? null : clamp(Math.round(2.2 * platform - 1 + bias * 1.5 + rng.normal() * 1.5), 0, 10);
        const friction = driverScores.reduce((sum, d) => sum + d.score, 0) / driverScores.length;
        answers.hours_lost = rng.chance(0.04) ? null : clamp(Math.round(rng.logNormal(Math.max(0.5, 1 + 3 * (4.3 - friction)), 0.6)), 0, 40);
        const free_text: Record<string, string> = {};
        if (rng.chance(0.4)) {
          const worst = driverScores.reduce((a, b) => (b.score < a.score ? b : a));
          free_text.biggest_friction = worst.score > 3.9 ? rng.pick(PRAISE) : rng.pick(FRICTION[worst.id] ?? PRAISE);
        }
        // Most answers come in the first days, during someone's working hours.
        const day = startOfUtcDay(campaign.opensAt + Math.min(13, Math.floor(rng.logNormal(1.5, 1))) * DAY);
        const local = (weekdayOf(day) === 0 || weekdayOf(day) === 6 ? day + 2 * DAY : day) + rng.between(9, 18) * HOUR - dev.offsetMinutes * MINUTE;
        const submitted = Math.min(campaign.closesAt, Math.max(campaign.opensAt + MINUTE, local));
        responses.push({
          id: rng.uuid(),
          campaign_id: campaign.id,
          survey_id: definition.id,
          survey_version: definition.version,
          team: team.name,
          tenure: rng.chance(0.85) ? dev.tenure : null,
          role: rng.chance(0.85) ? dev.role : null,
          answers,
          free_text,
          submitted_at: instant(Math.round(submitted)),
        });
      }
    }
    // Shuffled by submission time so nothing in the order hints at who answered.
    responses.sort((a, b) => (a.submitted_at < b.submitted_at ? -1 : a.submitted_at > b.submitted_at ? 1 : 0));
    yield* responses;
  }
}

/**
 * Expected delivery and canonical-event counts, computed from the rates the simulation draws from
 * (a progress bar needs the total before the first event, and large scale takes minutes to run).
 */
import { DAY, isHoliday, weekdayOf, weekIndex } from './calendar.js';
import { cadenceAt, COMMITS_PER_PR, goldenAt, SCALES, type Cadence, type OrgModel, type ServiceModel } from './org.js';
import { unitHash } from './random.js';

export interface CountEstimate {
  deliveries: number;
  canonicalEvents: number;
}

/** Minutes a continuous-delivery pipeline is busy with one deployment (staging, promotion, production). */
const PIPELINE_MINUTES = 30;

interface Day {
  at: number;
  weekday: number;
  week: number;
  holiday: boolean;
}

export function estimateCounts(org: OrgModel): CountEstimate {
  const activity = SCALES[org.scale].activity;
  let deliveries = 0;
  let commits = 0;
  const days: Day[] = [];
  for (let at = org.start; at < org.until; at += DAY) days.push({ at, weekday: weekdayOf(at), week: weekIndex(at), holiday: isHoliday(at) });
  // Working days per week, weighted like the simulation (quiet weekends and new year).
  const presenceByWeek = new Map<number, number>();
  for (const day of days) {
    const presence = day.holiday ? 0.15 : day.weekday === 0 || day.weekday === 6 ? 0.04 : 1;
    presenceByWeek.set(day.week, (presenceByWeek.get(day.week) ?? 0) + presence);
  }

  // Human pull requests, per developer and day (same presence rules as the simulation).
  const merges = new Map<ServiceModel, number>();
  for (const team of org.teams) {
    const p = team.profile;
    const fixRounds = 1.248 * (1 - p.firstPassApproval);
    const perPr = 1 + 1 + 0.05 * 1.6 + 0.95 * (1 + fixRounds + 2 * fixRounds + 0.06 + 2);
    const commitCount = COMMITS_PER_PR[team.tier] * SCALES[org.scale].commits;
    let teamPrs = 0;
    for (const developer of team.developers) {
      let present = 0;
      for (const [week, presence] of presenceByWeek) {
        if (unitHash(`${org.seed}:vacation:${developer.login}:${week}`) >= 0.07) present += presence;
      }
      teamPrs += p.prsPerDevDay * developer.pace * activity * present;
    }
    const totalActivity = team.services.reduce((sum, s) => sum + s.activity, 0);
    for (const service of team.services) {
      const prs = teamPrs * (service.activity / totalActivity);
      const squash = service.repo.squashShare;
      deliveries += prs * perPr;
      commits += prs * (commitCount + 1.5 * fixRounds + 0.95 * (squash + (1 - squash) * (commitCount + 1.5 * fixRounds + 1)));
      merges.set(service, 0.95 * prs);
    }
  }

  for (const repo of org.repos) {
    for (const day of days) {
      if (day.at < repo.createdAt) continue;
      if (repo.dependencyBot && day.weekday === 1 && !day.holiday) {
        for (const service of repo.services) {
          const bots = service.lifecycle === 'deprecated' ? 0.3 : 1.1;
          deliveries += bots * 4.6;
          commits += bots * 1.8;
          merges.set(service, (merges.get(service) ?? 0) + bots * 0.8);
        }
      }
      if (repo.issuesPerWeek > 0 && day.weekday !== 0 && day.weekday !== 6) deliveries += (repo.issuesPerWeek / 5) * (day.holiday ? 0.2 : 1) * 1.65;
      // GitLab projects: now and then a long-lived branch of 24 to 45 commits (simulation.ts, longBranchPush).
      if (repo.forge === 'gitlab' && day.weekday !== 0 && day.weekday !== 6 && !day.holiday) {
        deliveries += 1 / 30;
        commits += 20 / 30; // only the newest 20 are listed
      }
    }
  }

  // Merges land on working days: 5 of every 7.
  const workingDays = ((org.until - org.start) / DAY) * (5 / 7);
  for (const service of org.services) {
    const mergesPerDay = (merges.get(service) ?? 0) / workingDays;
    const profile = service.team.profile;
    let deploys = 0;
    let incidents = 0;
    for (const day of days) {
      if (day.at < service.createdAt) continue;
      const golden = goldenAt(service, day.at);
      const today = deploysOn(cadenceAt(service, day.at), mergesPerDay, day, service.trainWeekday);
      deploys += today;
      const batch = today > 0 ? Math.max(1, mergesPerDay / Math.max(today, 0.2)) : 1;
      const bad = Math.min(0.6, profile.failureRate * service.failureFactor * (golden ? 0.4 : 1) * (0.75 + 0.25 * Math.sqrt(batch)));
      // A bad change brings a rollback or a fix (pull request and its own deployment) and an incident.
      deliveries += today * bad * 13;
      commits += today * bad * 2;
      incidents += (profile.unplannedIncidentsPerMonth / 30) * (golden ? 0.7 : 1) + today * bad * 0.88;
    }
    // PagerDuty and Jira report an incident three times (opened, acknowledged, resolved), GitHub issues twice.
    deliveries += deploys * 6.1 + incidents * (service.path || service.team.incidentTool !== 'github' ? 3 : 2);
  }
  // Commits pushed by pull requests still open at the end, and re-pushed fix-ups, come on top.
  return { deliveries: Math.round(deliveries), canonicalEvents: Math.round(deliveries + commits * 1.09) };
}

/** Expected production deployments on a day: release windows that find something merged to ship. */
function deploysOn(cadence: Cadence, mergesPerDay: number, day: Day, trainWeekday: number): number {
  const { weekday } = day;
  if (weekday === 0 || weekday === 6) return cadence === 'continuous' ? mergesPerDay * 0.04 : 0;
  if (day.holiday) return cadence === 'continuous' ? mergesPerDay * 0.15 : 0;
  switch (cadence) {
    case 'continuous': return mergesPerDay / (1 + (mergesPerDay * PIPELINE_MINUTES) / 540);
    case 'daily': return 1.6 * (1 - Math.exp(-mergesPerDay / 1.6));
    case 'twice-weekly': return weekday === 2 || weekday === 4 ? 1 - Math.exp(-mergesPerDay * 2.5) : 0;
    case 'weekly': return weekday === trainWeekday ? 1 - Math.exp(-mergesPerDay * 5) : 0;
    case 'fortnightly': return weekday === trainWeekday && day.week % 2 === 0 ? 1 - Math.exp(-mergesPerDay * 10) : 0;
  }
}

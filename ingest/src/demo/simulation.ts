/**
 * Day-by-day simulation of the demo organisation's engineering history.
 *
 * Each simulated UTC day decides the work that starts that day (pull requests, bot updates,
 * issues, deployments due, incidents) and schedules every resulting webhook at its own time,
 * which is never earlier than the day being simulated. So once a day is simulated, all deliveries
 * before its end are known and can be emitted in order: memory holds only work in flight.
 * Numbers GitHub assigns in creation order are given out at emission time.
 */
import { createHash } from 'node:crypto';
import type { EventSource } from '@paved/schemas';
import type { Delivery } from '../delivery.js';
import { argocdDeploymentId, argocdNotificationPayload } from './argocd-payloads.js';
import {
  addWorkingHours, DAY, HOUR, instant, isHoliday, isWeekend, MINUTE, SECOND, startOfUtcDay, subtractWorkingHours, weekdayOf, weekIndex,
} from './calendar.js';
import {
  deploymentPayload, nodeId, deploymentStatusPayload, incidentIssue, issuePayload, pullRequestPayload, pushPayload, reviewPayload,
  ZERO_SHA, type PullRequestSnapshot, type ReviewInput,
} from './github-payloads.js';
import {
  deploymentHookPayload, GITLAB_WEB, gitlabPushPayload, issueHookPayload, mergeRequestNotePayload, mergeRequestPayload, pipelinePayload,
  type GitlabJob, type MergeRequestSnapshot,
} from './gitlab-payloads.js';
import { TimeHeap, type Timed } from './heap.js';
import { jiraIssuePayload, jiraProjectKey } from './jira-payloads.js';
import { cadenceAt, COMMITS_PER_PR, goldenAt, SCALES, SHARED_LIBRARIES, type Developer, type OrgModel, type Person, type RepoModel, type ServiceModel, type TeamModel } from './org.js';
import { pagerDutyPayload, type PagerDutyEventType } from './pagerduty-payloads.js';
import {
  branchName, changedFiles, dependencyBump, firstCommitMessage, followUpCommitMessage, hotfixTitle, incidentTitle, issueOf,
  pullRequestBody, pullRequestTitle, type PullRequestKind,
} from './phrases.js';
import { Random, stableUuid, unitHash } from './random.js';
import { messageOf, type CommitRecord, type DeploymentRecord, type IncidentRecord, type IssueRecord, type Priority, type PullRequestRecord } from './records.js';

/** Simulation starts this long before the history so that work is already in flight on day one. */
const WARM_UP = 14 * DAY;

interface Pending extends Timed {
  source: EventSource;
  event: string;
  build: (deliveryId: string) => unknown;
  /** A delivery id of its own: deliveries added beside the original history draw none from the id stream, so every other id stays as it was. */
  ownId?: string;
}

interface Trigger extends Timed {
  /** Incident this deployment is meant to fix (resolved once it is live). */
  resolves: IncidentRecord | null;
  expedite: boolean;
}

interface PendingMerge {
  at: number;
  sha: string;
  pr: PullRequestRecord;
}

interface ServiceState {
  service: ServiceModel;
  pendingMerges: PendingMerge[];
  triggers: TimeHeap<Trigger>;
  /** No new deployment starts before this (one is running, or production waits for a fix). */
  busyUntil: number;
  lastGoodSha: string;
  lastProductionAt: number;
}

interface RepoState {
  head: string;
  nextNumber: number;
}

const HUMAN_KINDS: PullRequestKind[] = ['feature', 'bug', 'chore', 'refactor', 'tech-debt', 'docs', 'plain'];
const HUMAN_KIND_WEIGHTS = [35, 18, 10, 9, 5, 4, 19];
/** Local hour weights of human activity: mornings and afternoons, a lunch dip, a few late nights. */
const HOUR_WEIGHTS = [0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.04, 0.1, 0.4, 0.9, 1.2, 1.2, 0.6, 0.8, 1.2, 1.2, 1.1, 0.8, 0.4, 0.2, 0.15, 0.12, 0.08, 0.04];
const HOURS = HOUR_WEIGHTS.map((_, i) => i);

export class Simulation {
  private readonly rng: Random;
  private readonly ids: Random;
  private readonly queue = new TimeHeap<Pending>();
  private seq = 0;
  private readonly services: ServiceState[];
  private readonly repoStates = new Map<RepoModel, RepoState>();
  private readonly activity: number;
  private readonly commitFactor: number;
  private pullRequestId = 1_600_000_000;
  private reviewId = 2_100_000_000;
  private deploymentId = 1_900_000_000;
  private statusId = 2_400_000_000;
  private issueId = 2_700_000_000;
  private pagerDutyNumber = 4200;
  /** Jira issue numbers per project key (the projects are older than the history). */
  private readonly jiraNumbers = new Map<string, number>();
  private jiraIssueId = 10_400;
  private readonly vacations = new Map<Person, Set<number>>();

  constructor(private readonly org: OrgModel) {
    this.rng = new Random(org.seed, `simulation:${org.scale}`);
    this.ids = new Random(org.seed, `ids:${org.scale}`);
    this.activity = SCALES[org.scale].activity;
    this.commitFactor = SCALES[org.scale].commits;
    for (const repo of org.repos) this.repoStates.set(repo, { head: repo.initialHead ?? ZERO_SHA, nextNumber: repo.firstNumber });
    // About three and a half weeks off a year, a week at a time.
    const firstWeek = weekIndex(org.start - WARM_UP);
    const lastWeek = weekIndex(org.until);
    for (const developer of org.developers) {
      const weeks = new Set<number>();
      for (let week = firstWeek; week <= lastWeek; week++) {
        if (unitHash(`${org.seed}:vacation:${developer.login}:${week}`) < 0.07) weeks.add(week);
      }
      this.vacations.set(developer, weeks);
    }
    this.services = org.services.map((service) => ({
      service,
      pendingMerges: [],
      triggers: new TimeHeap<Trigger>(),
      busyUntil: 0,
      lastGoodSha: service.repo.initialHead ?? ZERO_SHA,
      lastProductionAt: 0,
    }));
  }

  *deliveries(): Generator<Delivery> {
    const { start, until } = this.org;
    for (let day = startOfUtcDay(start - WARM_UP); day < until; day += DAY) {
      this.simulateDay(day);
      const flushBefore = Math.min(day + DAY, until);
      for (let next = this.queue.peek(); next && next.at < flushBefore; next = this.queue.peek()) {
        this.queue.pop();
        // Warm-up events are still emitted so numbers and branch heads stay consistent; they are not yielded.
        const uuid = next.ownId ?? this.ids.uuid();
        const payload = next.build(uuid);
        if (next.at >= start) yield { source: next.source, event: next.event, deliveryId: receiverDeliveryId(next.source, uuid, payload), receivedAt: instant(next.at), payload };
      }
    }
  }

  // ---------------------------------------------------------------- scheduling

  private schedule(source: EventSource, event: string, at: number, build: (deliveryId: string) => unknown): void {
    // Webhooks arrive a moment after the fact.
    const lag = source === 'pagerduty' ? this.rng.between(0.5, 6) : this.rng.between(0.2, 3);
    this.queue.push({ at: Math.round(at + lag * SECOND), seq: this.seq++, source, event, build });
  }

  private addTrigger(state: ServiceState, at: number, resolves: IncidentRecord | null = null, expedite = false): void {
    state.triggers.push({ at: Math.round(at), seq: this.seq++, resolves, expedite });
  }

  // ---------------------------------------------------------------- one day

  private simulateDay(day: number): void {
    const dayEnd = day + DAY;
    for (const team of this.org.teams) this.teamWork(team, day);
    for (const repo of this.org.repos) this.repoChores(repo, day);
    for (const repo of this.org.repos) if (repo.forge === 'gitlab') this.longBranchPush(repo, day);
    for (const state of this.services) {
      const { service } = state;
      if (service.createdAt >= day && service.createdAt < dayEnd) this.createService(state);
      if (service.createdAt >= dayEnd) continue;
      this.unplannedIncidents(state, day);
      this.releaseWindows(state, day);
      for (let trigger = state.triggers.peek(); trigger && trigger.at < dayEnd; trigger = state.triggers.peek()) {
        state.triggers.pop();
        this.deploy(state, trigger);
      }
    }
  }

  private teamWork(team: TeamModel, day: number): void {
    const active = team.services.filter((s) => s.createdAt < day);
    if (active.length === 0) return;
    const weights = active.map((s) => s.activity);
    for (const developer of team.developers) {
      const factor = this.presence(developer, day);
      if (factor === 0) continue;
      const count = this.rng.poisson(team.profile.prsPerDevDay * developer.pace * this.activity * factor);
      for (let i = 0; i < count; i++) {
        const service = this.rng.weighted(active, weights);
        const kind = this.rng.weighted(HUMAN_KINDS, HUMAN_KIND_WEIGHTS);
        this.pullRequest(service, developer, this.workTimeOn(day, developer.offsetMinutes), kind);
      }
    }
  }

  /** How much of a normal day this person works: weekends and the new-year break are quiet, vacations silent. */
  private presence(person: Developer, day: number): number {
    if (this.onVacation(person, day)) return 0;
    if (isHoliday(day)) return 0.15;
    if (isWeekend(day)) return 0.04;
    return 1;
  }

  private onVacation(person: Developer, day: number): boolean {
    return this.vacations.get(person)?.has(weekIndex(day)) ?? false;
  }

  /** A moment of the given UTC date, in the person's working rhythm. */
  private workTimeOn(day: number, offsetMinutes: number): number {
    const hour = this.rng.weighted(HOURS, HOUR_WEIGHTS);
    const at = day - offsetMinutes * MINUTE + hour * HOUR + Math.floor(this.rng.next() * HOUR);
    return Math.max(day + MINUTE * this.rng.between(2, 30), at);
  }

  // ---------------------------------------------------------------- pull requests

  private newCommit(author: Person, committer: Person, at: number, message: CommitRecord['message'], files: string[], added = false): CommitRecord {
    return {
      sha: this.rng.sha(), message, author, committer, authoredAt: at, committedAt: at,
      added: added ? files : [], modified: added ? [] : files,
    };
  }

  private pickReviewer(team: TeamModel, author: Person, day: number): Developer {
    const devs = team.developers;
    if (!this.rng.chance(0.04)) {
      // The first few people of a team (its seniors) do more of the reviewing.
      const seniors = Math.min(3, devs.length);
      const weightTotal = seniors * 2.5 + (devs.length - seniors);
      for (let attempt = 0; attempt < 8; attempt++) {
        let r = this.rng.next() * weightTotal;
        const index = r < seniors * 2.5 ? Math.floor(r / 2.5) : seniors + Math.floor((r -= seniors * 2.5));
        const candidate = devs[Math.min(index, devs.length - 1)];
        if (candidate && candidate.login !== author.login && !this.onVacation(candidate, day)) return candidate;
      }
    }
    for (;;) {
      const other = this.rng.pick(this.org.developers);
      if (other.login !== author.login) return other;
    }
  }

  /** One human pull request from its first commit to merge (or abandonment). */
  private pullRequest(service: ServiceModel, author: Developer, openAt: number, kind: PullRequestKind): PullRequestRecord {
    const rng = this.rng;
    const team = service.team;
    const profile = service.team.profile;
    const title = pullRequestTitle(rng, team.name, kind);
    const labels = kind === 'plain' ? [] : [kind];
    const codingHours = Math.min(90, rng.logNormal(profile.codingHours, 0.9));
    const lines = Math.max(2, Math.round(rng.logNormal(profile.prSizeLines, 1)));
    const fileCount = Math.max(1, Math.min(40, Math.round(1 + lines / 70 + rng.next() * 2)));
    const files = changedFiles(rng, service.language, service.path, fileCount);

    const day = startOfUtcDay(openAt);
    let pushAt = openAt - rng.between(1, 8) * MINUTE;
    if (pushAt < day + SECOND) {
      pushAt = day + SECOND * rng.between(1, 60);
      openAt = pushAt + rng.between(1, 8) * MINUTE;
    }
    const firstCommitAt = Math.min(subtractWorkingHours(pushAt - 2 * MINUTE, codingHours, author.offsetMinutes), pushAt - 2 * MINUTE);
    const commitCount = rng.count(COMMITS_PER_PR[team.tier] * this.commitFactor);
    const times = [firstCommitAt];
    for (let i = 1; i < commitCount; i++) times.push(firstCommitAt + rng.next() * (pushAt - MINUTE - firstCommitAt));
    times.sort((a, b) => a - b);
    const commits = times.map((at, i) =>
      this.newCommit(author, author, Math.round(at), i === 0 ? firstCommitMessage(rng, title, kind) : followUpCommitMessage(rng), this.someOf(files, i === 0)));
    const library = service.path ? sharedLibraryChange(`${service.name}:${openAt}`) : null;
    if (library && service.path) touchSharedLibrary(commits, service.path, library);

    const pr = this.newPullRequestRecord(service, author, title, labels, branchName(rng, author.login, title, kind), commits, openAt, lines);
    pr.body = pullRequestBody(rng, title);
    this.branchPush(pr, pushAt, commits, ZERO_SHA, author);
    this.openedEvent(pr, openAt, commits.length);

    const abandoned = rng.chance(0.05);
    const reviewer = this.pickReviewer(team, author, day);
    const pickup = profile.pickupHours * (goldenAt(service, openAt) ? 0.9 : 1);
    let reviewAt = this.later(openAt, rng.logNormal(pickup, 1.0), reviewer);
    if (abandoned) {
      if (rng.chance(0.6)) this.reviewEvent(pr, { reviewer, state: 'commented', at: reviewAt }, commits.length, 1);
      this.closedEvent(pr, this.later(Math.max(openAt, reviewAt), rng.logNormal(20, 1), author), commits.length, false, author);
      return pr;
    }

    let commitTotal = commits.length;
    // When each count of commits became the head of the branch: reviews point at the head they saw.
    const heads = [{ at: pushAt, count: commitTotal }];
    const commitsAt = (at: number) => heads.reduce((count, h) => (h.at <= at ? h.count : count), commits.length);
    let reviewComments = 0;
    let approvedAt = reviewAt;
    for (let round = 0; round < 4; round++) {
      const approve = round === 3 || rng.chance(round === 0 ? profile.firstPassApproval : 0.8);
      if (approve) {
        this.reviewEvent(pr, { reviewer, state: 'approved', at: reviewAt }, commitTotal, reviewComments);
        approvedAt = reviewAt;
        break;
      }
      const state = round > 0 || rng.chance(0.6) ? 'changes_requested' : 'commented';
      reviewComments += rng.int(1, 5);
      this.reviewEvent(pr, { reviewer, state, at: reviewAt }, commitTotal, reviewComments);
      const fixAt = this.later(reviewAt, rng.logNormal(1.5, 0.9), author);
      const fixups = rng.int(1, 2);
      const before = pr.commits[pr.commits.length - 1]?.sha ?? ZERO_SHA;
      const added: CommitRecord[] = [];
      for (let i = 0; i < fixups; i++) {
        const at = reviewAt + ((fixAt - reviewAt) * (i + 1)) / (fixups + 1);
        added.push(this.newCommit(author, author, Math.round(at), followUpCommitMessage(rng), this.someOf(files, false)));
      }
      if (library?.only && service.path) touchSharedLibrary(added, service.path, library);
      pr.commits.push(...added);
      commitTotal += fixups;
      heads.push({ at: fixAt, count: commitTotal });
      this.branchPush(pr, fixAt, added, before, author);
      this.synchronizeEvent(pr, fixAt + rng.between(2, 6) * SECOND, commitTotal, reviewComments, before);
      reviewAt = this.later(fixAt + 10 * SECOND, rng.logNormal(pickup * 0.5, 0.9), reviewer);
    }
    if (rng.chance(0.12)) {
      const second = this.pickReviewer(team, author, day);
      const at = this.later(openAt, rng.logNormal(pickup * 1.2, 0.9), second);
      if (at < approvedAt && second.login !== reviewer.login) this.reviewEvent(pr, { reviewer: second, state: 'commented', at }, commitsAt(at), reviewComments);
    }
    const mergeHours = profile.mergeHours * (goldenAt(service, approvedAt) ? 0.7 : 1);
    const mergeAt = this.later(approvedAt + 30 * SECOND, rng.logNormal(mergeHours, 0.8), author);
    this.merge(pr, mergeAt, rng.chance(0.9) ? author : reviewer, commitTotal, reviewComments);
    return pr;
  }

  /** Working time later, with the occasional evening or weekend reply. */
  private later(from: number, hours: number, person: Person): number {
    if (this.rng.chance(0.05)) return Math.round(from + hours * HOUR * 0.5 + this.rng.between(1, 20) * MINUTE);
    return addWorkingHours(from, hours, person.offsetMinutes) + Math.floor(this.rng.between(5, 120) * SECOND);
  }

  private someOf(files: string[], all: boolean): string[] {
    if (all || files.length <= 2) return files.slice(0, Math.min(files.length, 8));
    const count = this.rng.int(1, Math.min(3, files.length));
    const start = this.rng.int(0, files.length - count);
    return files.slice(start, start + count);
  }

  private newPullRequestRecord(service: ServiceModel, author: Person, title: string, labels: string[], branch: string, commits: CommitRecord[], openedAt: number, lines: number): PullRequestRecord {
    const files = new Set<string>();
    for (const c of commits) for (const f of [...c.added, ...c.modified]) files.add(f);
    return {
      service, author, title, body: '', labels, branch, commits, openedAt,
      additions: Math.round(lines * 0.65), deletions: lines - Math.round(lines * 0.65), changedFiles: Math.max(1, files.size),
      merge: null, closedAt: null, revertOf: null, number: 0, id: 0, nodeId: '', baseSha: '',
    };
  }

  /** GitHub numbers pull requests and issues per repository, in creation order. */
  private numberPullRequest(pr: PullRequestRecord): void {
    if (pr.number !== 0) return;
    const repoState = this.repoState(pr.service.repo);
    pr.number = repoState.nextNumber++;
    pr.id = this.pullRequestId += 1 + (this.ids.next32() % 40);
    pr.nodeId = nodeId('PullRequest', pr.id);
    pr.baseSha = repoState.head;
    if (pr.revertOf) {
      const target = pr.revertOf;
      pr.branch = revertBranch(target);
      pr.body = target.service.repo.forge === 'gitlab' ? `This reverts merge request !${target.number}` : `Reverts ${target.service.repo.fullName}#${target.number}`;
    }
  }

  private repoState(repo: RepoModel): RepoState {
    const state = this.repoStates.get(repo);
    if (!state) throw new Error(`unknown repo ${repo.fullName}`);
    return state;
  }

  private snapshot(pr: PullRequestRecord, at: number, commits: number, reviewComments: number, closed = false, merged = false): PullRequestSnapshot {
    const head = pr.commits[commits - 1]?.sha ?? pr.commits[pr.commits.length - 1]?.sha ?? ZERO_SHA;
    return { at, headSha: head, commits, closed, merged, reviewComments };
  }

  private branchPush(pr: PullRequestRecord, at: number, commits: CommitRecord[], before: string, pusher: Person): void {
    // The payload is built when the delivery is emitted; by then later review rounds have added
    // commits to the pull request's list, which this push did not carry.
    const pushed = [...commits];
    const repo = pr.service.repo;
    if (repo.forge === 'gitlab') {
      this.schedule('gitlab', 'Push Hook', at, () => {
        if (pr.revertOf) pr.branch = revertBranch(pr.revertOf);
        return gitlabPushPayload({ repo, branch: pr.branch, before, commits: pushed, pusher });
      });
      return;
    }
    this.schedule('github', 'push', at, () => {
      // GitHub's revert button names the branch after the reverted pull request.
      if (pr.revertOf) pr.branch = revertBranch(pr.revertOf);
      return pushPayload({ repo, branch: pr.branch, before, commits: pushed.map((commit) => ({ commit, distinct: true })), pusher, sender: pusher });
    });
  }

  private openedEvent(pr: PullRequestRecord, at: number, commits: number): void {
    if (pr.service.repo.forge === 'gitlab') {
      this.mergeRequestEvent(pr, at, () => ({ at, headSha: this.snapshot(pr, at, commits, 0).headSha, state: 'opened', action: 'open' }), pr.author);
      return;
    }
    this.schedule('github', 'pull_request', at, () => {
      this.numberPullRequest(pr);
      return pullRequestPayload('opened', pr, this.snapshot(pr, at, commits, 0), pr.author);
    });
  }

  private synchronizeEvent(pr: PullRequestRecord, at: number, commits: number, reviewComments: number, before: string): void {
    if (pr.service.repo.forge === 'gitlab') {
      this.mergeRequestEvent(pr, at, () => ({ at, headSha: this.snapshot(pr, at, commits, reviewComments).headSha, state: 'opened', action: 'update', oldrev: before }), pr.author);
      return;
    }
    this.schedule('github', 'pull_request', at, () => {
      this.numberPullRequest(pr);
      return pullRequestPayload('synchronize', pr, this.snapshot(pr, at, commits, reviewComments), pr.author, before);
    });
  }

  private reviewEvent(pr: PullRequestRecord, review: Omit<ReviewInput, 'id' | 'body'>, commits: number, reviewComments: number): void {
    const body = review.state === 'approved' ? (this.rng.chance(0.6) ? null : this.rng.pick(['LGTM', 'Looks good, thanks!', 'Ship it 🚀', 'Nice cleanup.']))
      : review.state === 'changes_requested' ? this.rng.pick(['A few comments inline.', 'Can we add a test for the failure case?', 'Please split the migration out.', 'This needs a feature flag.'])
      : this.rng.pick(['Left a couple of questions.', 'Non-blocking nits.', 'Curious about the retry semantics here.']);
    if (pr.service.repo.forge === 'gitlab') {
      // GitLab approves without a text; other reviews are comments (notes) on the merge request.
      const approved = review.state === 'approved';
      this.schedule('gitlab', approved ? 'Merge Request Hook' : 'Note Hook', review.at, () => {
        this.numberPullRequest(pr);
        this.reviewId += 1 + (this.ids.next32() % 50);
        const headSha = this.snapshot(pr, review.at, commits, reviewComments).headSha;
        return approved
          ? mergeRequestPayload(pr, { at: review.at, headSha, state: 'opened', action: 'approved' }, review.reviewer, [review.reviewer])
          : mergeRequestNotePayload(pr, this.reviewId, review.reviewer, body ?? 'Left a few comments.', review.at, headSha);
      });
      return;
    }
    this.schedule('github', 'pull_request_review', review.at, () => {
      this.numberPullRequest(pr);
      this.reviewId += 1 + (this.ids.next32() % 50);
      return reviewPayload(pr, this.snapshot(pr, review.at, commits, reviewComments), { ...review, id: this.reviewId, body });
    });
  }

  private closedEvent(pr: PullRequestRecord, at: number, commits: number, merged: boolean, sender: Person, reviewComments = 0): void {
    pr.closedAt = at;
    if (pr.service.repo.forge === 'gitlab') {
      this.mergeRequestEvent(pr, at, () => ({ at, headSha: this.snapshot(pr, at, commits, reviewComments).headSha, state: merged ? 'merged' : 'closed', action: merged ? 'merge' : 'close' }), sender);
      return;
    }
    this.schedule('github', 'pull_request', at, () => {
      this.numberPullRequest(pr);
      return pullRequestPayload('closed', pr, this.snapshot(pr, at, commits, reviewComments, true, merged), sender);
    });
  }

  /** A Merge Request Hook; the snapshot is taken when it is emitted, once the merge request has its number. */
  private mergeRequestEvent(pr: PullRequestRecord, at: number, snapshot: () => MergeRequestSnapshot, actor: Person): void {
    this.schedule('gitlab', 'Merge Request Hook', at, () => {
      this.numberPullRequest(pr);
      return mergeRequestPayload(pr, snapshot(), actor, []);
    });
  }

  private merge(pr: PullRequestRecord, at: number, by: Person, commits: number, reviewComments: number): void {
    const repo = pr.service.repo;
    const strategy = this.rng.chance(repo.squashShare) ? 'squash' : 'merge';
    const files = [...new Set(pr.commits.flatMap((c) => [...c.added, ...c.modified]))].slice(0, 20);
    const message = repo.forge === 'gitlab'
      ? (strategy === 'squash' ? () => pr.title : () => `${culpritSubject(pr, 'merge')}\n\n${pr.title}\n\nSee merge request ${repo.fullName}!${pr.number}`)
      : strategy === 'squash'
      ? () => squashMessage(pr)
      : () => `Merge pull request #${pr.number} from ${repo.fullName.split('/')[0]}/${pr.branch}\n\n${pr.title}`;
    const author = strategy === 'squash' ? pr.author : by;
    const commit = this.newCommit(author, this.org.bots.webFlow, at, message, files);
    pr.merge = { at, sha: commit.sha, strategy, by, commit };
    this.closedEvent(pr, at, commits, true, by, reviewComments);
    const pushed = strategy === 'squash'
      ? [{ commit, distinct: true }]
      : [...pr.commits.map((c) => ({ commit: c, distinct: false })), { commit, distinct: true }];
    this.mainPush(repo, at + this.rng.between(1, 3) * SECOND, pushed, by);
    const state = this.stateOf(pr.service);
    state.pendingMerges.push({ at, sha: commit.sha, pr });
    if (cadenceAt(pr.service, at) === 'continuous') this.addTrigger(state, at + this.rng.between(8, 25) * MINUTE);
  }

  /** A push to the default branch: `before` is whatever the branch pointed at when it arrives. */
  private mainPush(repo: RepoModel, at: number, commits: { commit: CommitRecord; distinct: boolean }[], pusher: Person, sender: Person = pusher): void {
    if (repo.forge === 'gitlab') {
      this.schedule('gitlab', 'Push Hook', at, () => {
        const state = this.repoState(repo);
        const before = state.head;
        const last = commits[commits.length - 1];
        if (last) state.head = last.commit.sha;
        return gitlabPushPayload({ repo, branch: repo.defaultBranch, before, commits: commits.map((c) => c.commit), pusher });
      });
      return;
    }
    this.schedule('github', 'push', at, () => {
      const state = this.repoState(repo);
      const before = state.head;
      const last = commits[commits.length - 1];
      if (last) state.head = last.commit.sha;
      return pushPayload({ repo, branch: repo.defaultBranch, before, commits, pusher, sender });
    });
  }

  private stateOf(service: ServiceModel): ServiceState {
    const state = this.services[service.index];
    if (!state || state.service !== service) throw new Error(`unknown service ${service.name}`);
    return state;
  }

  /** A revert or hotfix raised during an incident: reviewed and merged in minutes, on the clock. */
  private fixPullRequest(state: ServiceState, culprit: PullRequestRecord, openAt: number, revert: boolean, urgency: number, author: Developer): PullRequestRecord {
    const rng = this.rng;
    const { service } = state;
    const title = revert ? `Revert "${culprit.title}"` : hotfixTitle(rng, service.team.name);
    const files = culprit.merge?.commit.modified.slice(0, 3) ?? changedFiles(rng, service.language, service.path, 1);
    const culpritSha = culprit.merge?.sha ?? culprit.commits[0]?.sha ?? ZERO_SHA;
    const message: CommitRecord['message'] = revert
      ? () => `Revert "${culpritSubject(culprit)}"\n\nThis reverts commit ${culpritSha}.`
      : `fix: ${title.replace(/^Hotfix: /, '')}`;
    const commit = this.newCommit(author, author, Math.round(openAt - rng.between(2, 10) * MINUTE), message, files);
    const labels = revert ? [] : rng.chance(0.5) ? ['hotfix', 'bug'] : ['hotfix'];
    const slug = title.replace(/^Hotfix: /, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 32);
    const pr = this.newPullRequestRecord(service, author, title, labels, revert ? 'revert' : `hotfix/${slug}`, [commit], openAt, Math.round(rng.logNormal(revert ? 40 : 15, 0.8)) + 1);
    pr.revertOf = revert ? culprit : null;
    pr.body = revert ? '' : 'Fix for the ongoing incident; details in the incident channel.';
    this.branchPush(pr, openAt - rng.between(20, 90) * SECOND, [commit], ZERO_SHA, author);
    this.openedEvent(pr, openAt, 1);
    const reviewer = this.pickReviewer(service.team, author, startOfUtcDay(openAt));
    const reviewAt = openAt + rng.logNormal(12 * urgency, 0.7) * MINUTE;
    this.reviewEvent(pr, { reviewer, state: 'approved', at: reviewAt }, 1, 0);
    this.merge(pr, Math.round(reviewAt + rng.logNormal(6 * urgency, 0.6) * MINUTE), author, 1, 0);
    return pr;
  }

  // ---------------------------------------------------------------- bots, issues, new services

  private repoChores(repo: RepoModel, day: number): void {
    const first = repo.services[0];
    if (!first || repo.createdAt >= day) return;
    const team = first.team;
    // The dependency bot's weekly run: Monday early morning UTC, one directory per service in a monorepo.
    if (repo.dependencyBot && weekdayOf(day) === 1 && !isHoliday(day)) {
      for (const service of repo.services) {
        const count = this.rng.poisson(service.lifecycle === 'deprecated' ? 0.3 : 1.1);
        for (let i = 0; i < count; i++) this.dependencyPullRequest(service, day + 5 * HOUR + i * 2 * MINUTE + this.rng.between(0, 600) * SECOND);
      }
    }
    if (repo.issuesPerWeek > 0 && !isWeekend(day)) {
      const count = this.rng.poisson((repo.issuesPerWeek / 5) * (isHoliday(day) ? 0.2 : 1));
      for (let i = 0; i < count; i++) {
        const author = this.rng.pick(this.rng.chance(0.8) ? team.developers : this.org.developers);
        this.plainIssue(this.rng.pick(repo.services), author, this.workTimeOn(day, author.offsetMinutes));
      }
    }
  }

  /**
   * Now and then someone pushes a long-lived branch of 24 to 45 commits to a GitLab project: its
   * Push Hook lists only the newest 20 (Data health says so while no GITLAB_TOKEN completes it).
   * Chosen by a hash and drawn from its own stream, so the rest of the history stays as it was.
   */
  private longBranchPush(repo: RepoModel, day: number): void {
    const key = `${this.org.seed}:long-branch:${repo.name}:${day}`;
    const service = repo.services[0];
    if (!service || repo.createdAt >= day || isWeekend(day) || isHoliday(day) || unitHash(key) >= 1 / 30) return;
    const rng = new Random(this.org.seed, key);
    const author = rng.pick(service.team.developers);
    const count = rng.int(24, 45);
    const at = Math.round(day - author.offsetMinutes * MINUTE + rng.between(9, 17) * HOUR);
    const files = changedFiles(rng, service.language, service.path, 6);
    const commits: CommitRecord[] = [];
    for (let i = 0; i < count; i++) {
      const authoredAt = Math.round(at - (count - i) * rng.between(2, 5) * HOUR);
      const message = i === 0 ? `WIP: ${pullRequestTitle(rng, service.team.name, 'feature')}` : followUpCommitMessage(rng);
      commits.push({ sha: rng.sha(), message, author, committer: author, authoredAt, committedAt: authoredAt, added: [], modified: files.slice(0, rng.int(1, files.length)) });
    }
    const branch = `feature/${author.login.split('-')[0] ?? 'dev'}-${rng.base36(5)}`;
    this.queue.push({
      at, seq: this.seq++, source: 'gitlab', event: 'Push Hook', ownId: stableUuid(key),
      build: () => gitlabPushPayload({ repo, branch, before: ZERO_SHA, commits, pusher: author }),
    });
  }

  private dependencyPullRequest(service: ServiceModel, at: number): void {
    const rng = this.rng;
    const renovate = service.repo.dependencyBot === 'renovate';
    const bot = renovate ? this.org.bots.renovate : this.org.bots.dependabot;
    const bump = dependencyBump(rng, service.language, service.path, renovate);
    const manifest = service.language === 'Go' ? 'go.mod' : service.language === 'Python' ? 'requirements.txt' : service.language === 'Java' || service.language === 'Kotlin' ? 'build.gradle' : service.language === 'Ruby' ? 'Gemfile.lock' : 'package-lock.json';
    const files = [`${service.path ? `${service.path}/` : ''}${manifest}`];
    const commit = this.newCommit(bot, bot, Math.round(at - 30 * SECOND), renovate ? bump.title : `${bump.title}\n\nSigned-off-by: dependabot[bot] <support@github.com>`, files);
    const pr = this.newPullRequestRecord(service, bot, bump.title, ['dependencies'], bump.branch, [commit], at + rng.between(5, 30) * SECOND, rng.int(2, 40));
    const kind = service.repo.forge === 'gitlab' ? 'MR' : 'PR';
    pr.body = renovate
      ? `This ${kind} contains the following updates.\n\n---\n\nThis ${kind} has been generated by Renovate Bot.`
      : "Bumps the dependency as described in the title.\n\nDependabot will resolve any conflicts with this PR as long as you don't alter it yourself.";
    this.branchPush(pr, at, [commit], ZERO_SHA, bot);
    this.openedEvent(pr, pr.openedAt, 1);
    const day = startOfUtcDay(at);
    const reviewer = this.pickReviewer(service.team, bot, day);
    const reviewAt = this.later(pr.openedAt, rng.logNormal(service.team.profile.pickupHours * 1.5, 1), reviewer);
    if (rng.chance(0.2)) {
      // Superseded by a newer version before anyone merged it.
      this.closedEvent(pr, reviewAt + rng.between(1, 6) * DAY, 1, false, bot);
      return;
    }
    this.reviewEvent(pr, { reviewer, state: 'approved', at: reviewAt }, 1, 0);
    this.merge(pr, this.later(reviewAt + MINUTE, rng.logNormal(0.5, 0.8), reviewer), reviewer, 1, 0);
  }

  private plainIssue(service: ServiceModel, author: Developer, at: number): void {
    const { title, label } = issueOf(this.rng);
    const issue: IssueRecord = { service, title, labels: [label], body: 'Steps to reproduce and context in the linked thread.', author, openedAt: at, number: 0, id: 0 };
    const repo = service.repo;
    const gitlab = repo.forge === 'gitlab';
    this.schedule(gitlab ? 'gitlab' : 'github', gitlab ? 'Issue Hook' : 'issues', at, () => {
      this.numberIssue(issue, repo);
      return gitlab ? issueHookPayload('open', repo, issue, at, author) : issuePayload('opened', repo, issue, at, author, null);
    });
    if (this.rng.chance(0.65)) {
      const assignee = this.rng.pick(service.team.developers);
      const closeAt = this.later(at, this.rng.logNormal(40, 1.2), assignee);
      this.schedule(gitlab ? 'gitlab' : 'github', gitlab ? 'Issue Hook' : 'issues', closeAt, () =>
        gitlab ? issueHookPayload('close', repo, issue, closeAt, assignee) : issuePayload('closed', repo, issue, closeAt, assignee, assignee));
    }
  }

  private numberIssue(issue: { number: number; id: number }, repo: RepoModel): void {
    if (issue.number !== 0) return;
    issue.number = this.repoState(repo).nextNumber++;
    issue.id = this.issueId += 1 + (this.ids.next32() % 200);
  }

  /** A service born from a golden-path template during the history: the scaffolder's first push. */
  private createService(state: ServiceState): void {
    const { service } = state;
    const repo = service.repo;
    if (repo.initialHead !== null || repo.services[0] !== service) return;
    const scaffolder = this.org.bots.scaffolder;
    const commit = this.newCommit(scaffolder, scaffolder, service.createdAt, `Initial commit\n\nCreated from ${service.template ?? 'a template'} by ${service.createdBy.login}`,
      ['README.md', 'catalog-info.yaml', repo.forge === 'gitlab' ? '.gitlab-ci.yml' : '.github/workflows/deploy.yml', 'Dockerfile', `src/main.${service.language === 'Go' ? 'go' : service.language === 'Python' ? 'py' : service.language === 'Java' ? 'java' : 'ts'}`], true);
    for (const s of repo.services) this.stateOf(s).lastGoodSha = commit.sha;
    this.mainPush(repo, service.createdAt + 20 * SECOND, [{ commit, distinct: true }], scaffolder);
  }

  // ---------------------------------------------------------------- deployments

  private releaseWindows(state: ServiceState, day: number): void {
    const { service } = state;
    const cadence = cadenceAt(service, day);
    if (cadence === 'continuous' || isHoliday(day)) return;
    const weekday = weekdayOf(day);
    const offset = service.team.offsetMinutes * MINUTE;
    const at = (hour: number, jitterMinutes: number) => Math.max(day + MINUTE, day - offset + hour * HOUR + this.rng.between(-jitterMinutes, jitterMinutes) * MINUTE);
    if (weekday === 0 || weekday === 6) return;
    switch (cadence) {
      case 'daily':
        this.addTrigger(state, at(11, 40));
        if (this.rng.chance(0.6)) this.addTrigger(state, at(16, 40));
        return;
      case 'twice-weekly':
        if (weekday === 2 || weekday === 4) this.addTrigger(state, at(14, 60));
        return;
      case 'weekly':
        if (weekday === service.trainWeekday) this.addTrigger(state, at(10, 60));
        return;
      case 'fortnightly':
        if (weekday === service.trainWeekday && weekIndex(day) % 2 === 0) this.addTrigger(state, at(10, 60));
        return;
    }
  }

  private releaseCaptain(service: ServiceModel, at: number): Developer {
    const devs = service.team.developers;
    return devs[(weekIndex(at) + service.index) % devs.length] ?? this.rng.pick(this.org.developers);
  }

  private onCall(service: ServiceModel, at: number): Developer {
    const devs = service.team.developers;
    return devs[(weekIndex(at) * 3 + service.index + 1) % devs.length] ?? this.rng.pick(this.org.developers);
  }

  private deployer(service: ServiceModel, at: number): Person {
    if (goldenAt(service, at)) return this.org.bots.pipelines;
    const tier = service.team.tier;
    if ((tier === 'medium' || tier === 'low') && (service.index % 3 !== 0)) return this.releaseCaptain(service, at);
    return this.org.bots.actions;
  }

  private failureProbability(service: ServiceModel, at: number, batch: number): number {
    const base = service.team.profile.failureRate * service.failureFactor * (goldenAt(service, at) ? 0.4 : 1);
    // Bigger batches carry more risk: one of the reasons small, frequent deploys fail less.
    return Math.min(0.6, base * (0.75 + 0.25 * Math.sqrt(batch)));
  }

  private deploy(state: ServiceState, trigger: Trigger): void {
    const rng = this.rng;
    const { service } = state;
    const T = trigger.at;
    if (T < state.busyUntil) {
      this.addTrigger(state, state.busyUntil + rng.between(1, 10) * MINUTE, trigger.resolves, trigger.expedite);
      return;
    }
    const batch = state.pendingMerges.filter((m) => m.at < T);
    if (batch.length === 0) {
      if (trigger.resolves) this.resolveIncident(trigger.resolves, Math.max(T, state.lastProductionAt) + rng.between(5, 30) * MINUTE);
      return;
    }
    state.pendingMerges = state.pendingMerges.filter((m) => m.at >= T);
    let head = batch[0] as PendingMerge;
    for (const m of batch) if (m.at > head.at) head = m;

    const golden = goldenAt(service, T);
    const creator = this.deployer(service, T);
    const ref = service.repo.defaultBranch;

    const stagingAt = T + rng.between(5, 40) * SECOND;
    const staging = this.newDeployment(service, head.sha, ref, 'staging', creator, stagingAt, null, false);
    const stagingRunning = stagingAt + rng.between(10, 40) * SECOND;
    const stagingDone = stagingRunning + rng.logNormal(golden ? 4 : 7, 0.4) * MINUTE;
    this.deploymentEvents(staging, stagingRunning);
    if (rng.chance(0.03)) {
      this.statusEvent(staging, 'failure', stagingDone);
      state.pendingMerges.push(...batch);
      state.busyUntil = stagingDone;
      this.addTrigger(state, stagingDone + rng.between(25, 120) * MINUTE, trigger.resolves, trigger.expedite);
      return;
    }
    this.statusEvent(staging, 'success', stagingDone);

    const automatic = golden || trigger.expedite || cadenceAt(service, T) === 'continuous';
    const prodAt = automatic
      ? stagingDone + rng.between(trigger.expedite ? 1 : 3, trigger.expedite ? 5 : 12) * MINUTE
      : addWorkingHours(stagingDone, rng.logNormal(service.team.profile.promotionHours, 0.6), creator.bot ? service.team.offsetMinutes : creator.offsetMinutes) + rng.between(0, 300) * SECOND;
    const production = this.newDeployment(service, head.sha, ref, service.repo.productionEnvironment, creator, prodAt, null, false);
    const prodRunning = prodAt + rng.between(10, 40) * SECOND;
    const prodDone = prodRunning + rng.logNormal(golden ? 5 : 9, 0.5) * MINUTE;
    this.deploymentEvents(production, prodRunning);

    const p = this.failureProbability(service, T, batch.length) * (trigger.expedite ? 0.3 : 1);
    if (!rng.chance(p)) {
      this.statusEvent(production, 'success', prodDone);
      state.lastGoodSha = head.sha;
      state.lastProductionAt = prodDone;
      state.busyUntil = prodDone;
      if (trigger.resolves) this.resolveIncident(trigger.resolves, prodDone + rng.between(5, 30) * MINUTE);
      return;
    }
    // A fix that itself goes wrong still ends the incident it was fixing; the new one is tracked anew.
    if (trigger.resolves) this.resolveIncident(trigger.resolves, prodDone + rng.between(5, 30) * MINUTE);
    this.badChange(state, production, batch, prodDone);
  }

  private newDeployment(service: ServiceModel, sha: string, ref: string, environment: string, creator: Person, createdAt: number, description: string | null, rollback: boolean): DeploymentRecord {
    return { service, sha, ref, environment, creator, createdAt: Math.round(createdAt), description, rollback, id: 0, nodeId: '' };
  }

  private deploymentEvents(deployment: DeploymentRecord, runningAt: number): void {
    if (deployment.service.repo.forge === 'gitlab') {
      // The deployment pipeline starts: GitLab reports the pipeline, then the deployment job's environment.
      this.schedule('gitlab', 'Pipeline Hook', deployment.createdAt, () => {
        this.numberDeployment(deployment);
        return pipelinePayload(deployment, gitlabJob(deployment), 'running', deployment.createdAt, throughArgoCd(deployment));
      });
    } else {
      this.schedule('github', 'deployment', deployment.createdAt, () => {
        this.numberDeployment(deployment);
        return deploymentPayload(deployment);
      });
    }
    this.statusEvent(deployment, 'in_progress', runningAt);
  }

  private numberDeployment(deployment: DeploymentRecord): void {
    if (deployment.id !== 0) return;
    deployment.id = this.deploymentId += 1 + (this.ids.next32() % 900);
    deployment.nodeId = nodeId('Deployment', deployment.id);
  }

  private statusEvent(deployment: DeploymentRecord, state: 'in_progress' | 'success' | 'failure', at: number): void {
    const time = Math.round(at);
    if (deployment.service.repo.forge === 'gitlab') {
      this.gitlabStatusEvent(deployment, state, time);
      return;
    }
    this.schedule('github', 'deployment_status', time, () => {
      this.numberDeployment(deployment);
      this.statusId += 1 + (this.ids.next32() % 900);
      return deploymentStatusPayload(deployment, this.statusId, state, time);
    });
  }

  /**
   * GitLab environments report each status through a Deployment Hook. Production of a golden-path
   * service goes through Argo CD instead: the promotion pipeline finishes (Pipeline Hook) and
   * Argo CD's notification reports the sync (the documented template, at /webhooks/deployments).
   */
  private gitlabStatusEvent(deployment: DeploymentRecord, state: 'in_progress' | 'success' | 'failure', time: number): void {
    const argocd = throughArgoCd(deployment);
    const number = () => {
      // The same draws as a GitHub status, so the rest of the organisation's ids stay as they were.
      this.numberDeployment(deployment);
      this.statusId += 1 + (this.ids.next32() % 900);
    };
    if (argocd && state !== 'in_progress') {
      this.schedule('generic', 'deployment', time, () => {
        number();
        return argocdNotificationPayload(deployment, state, time, deployment.creator.bot, deployment.creator);
      });
      return;
    }
    this.schedule('gitlab', argocd ? 'Pipeline Hook' : 'Deployment Hook', time, () => {
      number();
      const job = gitlabJob(deployment);
      if (argocd) return pipelinePayload(deployment, job, 'success', time, true);
      return deploymentHookPayload(deployment, job, state === 'in_progress' ? 'running' : state === 'success' ? 'success' : 'failed', time);
    });
  }

  /** A production deployment that hurt: it fails outright or causes an incident, and people recover. */
  private badChange(state: ServiceState, production: DeploymentRecord, batch: PendingMerge[], done: number): void {
    const rng = this.rng;
    const { service } = state;
    const profile = service.team.profile;
    const golden = goldenAt(service, done);
    const recoveryScale = (profile.recoveryHours * (golden ? 0.6 : 1)) / 2.5;
    const humans = batch.filter((m) => !m.pr.author.bot);
    const culprit = (humans.length ? rng.pick(humans) : rng.pick(batch)).pr;
    const previousGood = state.lastGoodSha;
    const onCall = this.onCall(service, done);
    const author = isDeveloper(culprit.author) ? culprit.author : onCall;

    if (rng.chance(0.4)) {
      // The rollout itself failed: health checks trip and the previous version goes back out.
      this.statusEvent(production, 'failure', done);
      const rollbackAt = done + (golden ? rng.between(1, 4) : rng.between(3, 20) * Math.max(0.5, recoveryScale)) * MINUTE;
      const rollbackDone = this.rollback(state, previousGood, rollbackAt, golden ? this.org.bots.pipelines : onCall);
      if (rng.chance(0.7)) {
        const openedAt = done + Math.min(3 * HOUR, rng.logNormal(12, 0.8) * MINUTE);
        this.incident(service, openedAt, Math.max(openedAt + 5 * MINUTE, rollbackDone + rng.between(5, 40) * MINUTE), production, culprit);
      }
      state.pendingMerges.push(...batch);
      const fix = this.fixPullRequest(state, culprit, this.later(rollbackDone, rng.logNormal(2 * recoveryScale, 0.8), author), rng.chance(0.5), recoveryScale, author);
      // Production stays on the old version until the fix is in.
      state.busyUntil = (fix.merge?.at ?? rollbackDone) + rng.between(5, 20) * MINUTE;
      state.lastProductionAt = rollbackDone;
      return;
    }

    // The rollout looked fine; the damage shows up in production a little later.
    this.statusEvent(production, 'success', done);
    state.lastProductionAt = done;
    state.busyUntil = done;
    const openedAt = done + Math.min(6 * HOUR, rng.logNormal(70, 0.9) * MINUTE);
    const incident = this.incident(service, openedAt, null, production, culprit);
    const remedy = rng.weighted(['rollback', 'revert', 'hotfix'], [35, 35, 30]);
    if (remedy === 'rollback') {
      const rollbackAt = openedAt + rng.logNormal(20 * recoveryScale, 0.6) * MINUTE;
      const rollbackDone = this.rollback(state, previousGood, rollbackAt, onCall);
      this.resolveIncident(incident, rollbackDone + rng.between(5, 40) * MINUTE);
      const fix = this.fixPullRequest(state, culprit, this.later(rollbackDone, rng.logNormal(3 * recoveryScale, 0.8), author), rng.chance(0.5), recoveryScale, author);
      state.busyUntil = (fix.merge?.at ?? rollbackDone) + rng.between(5, 20) * MINUTE;
      return;
    }
    const openAt = openedAt + rng.logNormal((remedy === 'revert' ? 25 : 60) * recoveryScale, 0.6) * MINUTE;
    const fix = this.fixPullRequest(state, culprit, openAt, remedy === 'revert', recoveryScale, author);
    this.addTrigger(state, (fix.merge?.at ?? openAt) + rng.between(6, 15) * MINUTE, incident, true);
  }

  /** Redeploys the last good version; returns when it is live. */
  private rollback(state: ServiceState, sha: string, at: number, creator: Person): number {
    const rng = this.rng;
    const { service } = state;
    const deployment = this.newDeployment(service, sha, sha, service.repo.productionEnvironment, creator, at, `Rollback to ${sha.slice(0, 7)}`, true);
    const running = at + rng.between(10, 30) * SECOND;
    const done = running + rng.logNormal(4, 0.4) * MINUTE;
    this.deploymentEvents(deployment, running);
    this.statusEvent(deployment, 'success', done);
    return Math.round(done);
  }

  // ---------------------------------------------------------------- incidents

  private unplannedIncidents(state: ServiceState, day: number): void {
    const { service } = state;
    const rate = (service.team.profile.unplannedIncidentsPerMonth / 30) * (goldenAt(service, day) ? 0.7 : 1);
    if (!this.rng.chance(rate)) return;
    const openedAt = day + this.rng.next() * DAY;
    const resolvedAt = openedAt + Math.max(10 * MINUTE, this.rng.logNormal(service.team.profile.recoveryHours * 0.8, 0.9) * HOUR);
    this.incident(service, openedAt, resolvedAt, null, null);
  }

  private incident(service: ServiceModel, openedAt: number, resolvedAt: number | null, cause: DeploymentRecord | null, culprit: PullRequestRecord | null): IncidentRecord {
    const rng = this.rng;
    const tool = service.path ? 'pagerduty' : service.team.incidentTool;
    const priority = rng.weighted<Priority>(['P1', 'P2', 'P3', 'P4'], cause ? [10, 35, 40, 15] : [8, 30, 42, 20]);
    const high = priority === 'P1' || priority === 'P2';
    const incident: IncidentRecord = {
      service,
      title: incidentTitle(rng, service.name, cause !== null),
      priority,
      openedAt: Math.round(openedAt),
      acknowledgedAt: Math.round(openedAt + rng.logNormal(high ? 4 : 20, 0.7) * MINUTE),
      resolvedAt: null,
      tool,
      cause,
      culpritSha: culprit?.merge?.sha ?? null,
      link: cause ? rng.weighted<IncidentRecord['link']>(['deployment', 'sha', 'none'], [40, 30, 30]) : 'none',
      responder: this.onCall(service, openedAt),
      pagerdutyId: `Q${rng.base36(13)}`,
      number: 0,
      issueId: 0,
    };
    if (tool === 'pagerduty') {
      this.pagerDutyEvent(incident, 'incident.triggered', incident.openedAt);
      this.pagerDutyEvent(incident, 'incident.acknowledged', incident.acknowledgedAt);
    } else if (tool === 'jira') {
      this.jiraEvent(incident, 'created', incident.openedAt);
      this.jiraEvent(incident, 'acknowledged', incident.acknowledgedAt);
    } else {
      const repo = service.repo;
      this.schedule('github', 'issues', incident.openedAt, () => {
        if (incident.number === 0) {
          incident.number = this.repoState(repo).nextNumber++;
          incident.issueId = this.issueId += 1 + (this.ids.next32() % 200);
        }
        return issuePayload('opened', repo, incidentIssue(incident), incident.openedAt, incident.responder, incident.responder);
      });
    }
    if (resolvedAt !== null) this.resolveIncident(incident, resolvedAt);
    return incident;
  }

  private resolveIncident(incident: IncidentRecord, at: number): void {
    if (incident.resolvedAt !== null) return;
    const time = Math.round(Math.max(at, incident.acknowledgedAt + MINUTE));
    incident.resolvedAt = time;
    if (incident.tool === 'pagerduty') {
      this.pagerDutyEvent(incident, 'incident.resolved', time);
      return;
    }
    if (incident.tool === 'jira') {
      this.jiraEvent(incident, 'resolved', time);
      return;
    }
    const repo = incident.service.repo;
    this.schedule('github', 'issues', time, () => issuePayload('closed', repo, incidentIssue(incident), time, incident.responder, incident.responder));
  }

  /** Jira Service Management: the incident is created, taken on (Work in progress) and resolved. */
  private jiraEvent(incident: IncidentRecord, stage: 'created' | 'acknowledged' | 'resolved', at: number): void {
    this.schedule('jira', stage === 'created' ? 'jira:issue_created' : 'jira:issue_updated', at, () => {
      const project = jiraProjectKey(incident.service.team.name);
      if (incident.number === 0) {
        const number = (this.jiraNumbers.get(project) ?? 180) + 1;
        this.jiraNumbers.set(project, number);
        incident.number = number;
        incident.issueId = this.jiraIssueId += 7;
      }
      return jiraIssuePayload({ incident, key: `${project}-${incident.number}`, issueId: incident.issueId, stage, at, description: jiraDescription(incident) });
    });
  }

  private pagerDutyEvent(incident: IncidentRecord, type: PagerDutyEventType, at: number): void {
    this.schedule('pagerduty', type, at, (deliveryId) => {
      if (incident.number === 0) incident.number = this.pagerDutyNumber += 1;
      return pagerDutyPayload(incident, type, deliveryId, at);
    });
  }
}

/**
 * In a monorepo, about 3 % of pull requests change only a shared library under `libs/` and 5 % change
 * one beside the service's own code. Decided by a hash of the pull request, not the random stream,
 * so every other number of the demo stays as it was.
 */
function sharedLibraryChange(seed: string): { library: string; only: boolean } | null {
  const roll = unitHash(`shared-library:${seed}`);
  if (roll >= 0.08) return null;
  return { library: `libs/${SHARED_LIBRARIES[Math.floor(unitHash(`library:${seed}`) * SHARED_LIBRARIES.length)]}`, only: roll < 0.03 };
}

/** Moves the commits' files to the library (a library-only change), or adds one library file to the first commit. */
function touchSharedLibrary(commits: CommitRecord[], servicePath: string, change: { library: string; only: boolean }): void {
  const toLibrary = (file: string) => (file.startsWith(`${servicePath}/`) ? `${change.library}/${file.slice(servicePath.length + 1)}` : file);
  if (change.only) {
    for (const commit of commits) {
      commit.added = commit.added.map(toLibrary);
      commit.modified = commit.modified.map(toLibrary);
    }
    return;
  }
  const first = commits[0];
  const file = first ? [...first.added, ...first.modified][0] : undefined;
  if (first && file) first.modified = [...first.modified, toLibrary(file)];
}

function isDeveloper(person: Person): person is Developer {
  return 'team' in person;
}

function culpritSubject(pr: PullRequestRecord, strategy = pr.merge?.strategy): string {
  const repo = pr.service.repo;
  if (repo.forge === 'gitlab') return strategy === 'merge' ? `Merge branch '${pr.branch}' into '${repo.defaultBranch}'` : pr.title;
  if (strategy === 'merge') return `Merge pull request #${pr.number} from ${repo.fullName.split('/')[0]}/${pr.branch}`;
  return `${pr.title} (#${pr.number})`;
}

/** The branch a revert button makes: GitHub names the pull request, GitLab the merge commit. */
function revertBranch(target: PullRequestRecord): string {
  if (target.service.repo.forge === 'gitlab') return `revert-${(target.merge?.sha ?? target.commits[0]?.sha ?? '').slice(0, 8)}`;
  return `revert-${target.number}-${target.branch}`;
}

/**
 * The delivery id the receiver would give this delivery (ingest/src/http/webhooks.ts): GitLab's
 * `Idempotency-Key`, Jira's `X-Atlassian-Webhook-Identifier`, and for Argo CD (which sends no id
 * header) the hash of the body; GitHub and PagerDuty use the id as it is.
 */
function receiverDeliveryId(source: EventSource, uuid: string, payload: unknown): string {
  switch (source) {
    case 'gitlab': return `gitlab-idempotency:${uuid}`;
    case 'jira': return `jira:${uuid}`;
    case 'generic': return `sha256:${createHash('sha256').update(JSON.stringify(payload)).digest('hex')}`;
    default: return uuid;
  }
}

/** Production of a GitLab team's golden-path service is synced by Argo CD; the rest deploy through GitLab environments. */
function throughArgoCd(deployment: DeploymentRecord): boolean {
  return deployment.service.repo.forge === 'gitlab' && deployment.environment !== 'staging' && goldenAt(deployment.service, deployment.createdAt);
}

/** The pipeline and job of a GitLab deployment, numbered from its deployment id. */
function gitlabJob(deployment: DeploymentRecord): GitlabJob {
  return { pipelineId: deployment.id - 600_000_000, jobId: deployment.id + 3_000_000_000 };
}

/** What a responder writes into a Jira incident: the deployment (its job URL or Paved's id of the Argo CD sync), or the culprit commit. */
function jiraDescription(incident: IncidentRecord): string {
  const lines = [`Impact: ${incident.title}.`, `Detected by: ${incident.cause ? 'alerts after a deployment' : 'monitoring'}`, ''];
  const cause = incident.cause;
  if (incident.link === 'deployment' && cause && cause.id !== 0) {
    const reference = throughArgoCd(cause) ? argocdDeploymentId(cause) : `${GITLAB_WEB}/${cause.service.repo.fullName}/-/jobs/${gitlabJob(cause).jobId}`;
    lines.push(`Deployment: ${reference}`);
  }
  if (incident.link === 'sha' && incident.culpritSha) lines.push(`Root cause: ${incident.culpritSha.slice(0, 8 + (incident.number % 5))}`);
  return lines.join('\n');
}

/** GitHub's squash message: title and number, then the squashed commits (or the single commit's body). */
function squashMessage(pr: PullRequestRecord): string {
  const subject = `${pr.title} (#${pr.number})`;
  if (pr.commits.length === 1) {
    const only = pr.commits[0];
    const body = only ? messageOf(only).split('\n').slice(1).join('\n').trim() : '';
    return body ? `${subject}\n\n${body}` : subject;
  }
  return `${subject}\n\n${pr.commits.map((c) => `* ${messageOf(c).split('\n')[0] ?? ''}`).join('\n\n')}`;
}


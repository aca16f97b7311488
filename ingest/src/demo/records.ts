import type { Developer, Person, ServiceModel } from './org.js';

/**
 * What the simulation decided about one piece of work. Numbers and ids that GitHub hands out in
 * creation order (pull request numbers, deployment ids) stay 0 until the event that creates them
 * is emitted, so they increase with time like the real ones.
 */

export interface CommitRecord {
  sha: string;
  /** A function when the text names something numbered later (a revert of "Title (#123)"). */
  message: string | (() => string);
  author: Person;
  committer: Person;
  authoredAt: number;
  committedAt: number;
  added: string[];
  modified: string[];
}

export interface MergeRecord {
  at: number;
  sha: string;
  strategy: 'squash' | 'merge';
  by: Person;
  commit: CommitRecord;
}

export interface PullRequestRecord {
  service: ServiceModel;
  author: Person;
  title: string;
  body: string;
  labels: string[];
  branch: string;
  commits: CommitRecord[];
  openedAt: number;
  additions: number;
  deletions: number;
  changedFiles: number;
  merge: MergeRecord | null;
  closedAt: number | null;
  revertOf: PullRequestRecord | null;
  number: number;
  id: number;
  nodeId: string;
  baseSha: string;
  /** Label objects as GitHub renders them, built on first use. */
  labelObjects?: object[];
}

export interface DeploymentRecord {
  service: ServiceModel;
  sha: string;
  ref: string;
  environment: string;
  creator: Person;
  createdAt: number;
  description: string | null;
  rollback: boolean;
  id: number;
  nodeId: string;
}

export type Priority = 'P1' | 'P2' | 'P3' | 'P4';

export interface IncidentRecord {
  service: ServiceModel;
  title: string;
  priority: Priority;
  openedAt: number;
  acknowledgedAt: number;
  resolvedAt: number | null;
  tool: 'pagerduty' | 'github' | 'jira';
  cause: DeploymentRecord | null;
  /** The commit a person named as root cause, when the causing change is known. */
  culpritSha: string | null;
  /** Which explicit link, if any, the person writing the incident issue added. */
  link: 'deployment' | 'sha' | 'none';
  responder: Developer;
  pagerdutyId: string;
  number: number;
  issueId: number;
}

export interface IssueRecord {
  service: ServiceModel;
  title: string;
  labels: string[];
  body: string;
  author: Person;
  openedAt: number;
  number: number;
  id: number;
}

export function messageOf(commit: CommitRecord): string {
  return typeof commit.message === 'function' ? commit.message() : commit.message;
}

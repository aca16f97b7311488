import { describe, expect, it } from 'vitest';
import { changeRequestLink, changeRequestRef, commitLink, deploymentSource, gitlabWebOf, sourceLabel, type RepoHosts } from '../lib/sources';

const SHA = '9f2c1e4b7d3a5c6e8f0a1b2c3d4e5f6a7b8c9d0e';
const selfManaged: RepoHosts = { gitlabWeb: gitlabWebOf('https://git.acme.dev/api/v4'), gitlabRepos: new Set(['platform/deployer']) };

describe('sources as people name them', () => {
  it('labels every source and sender the dashboard shows', () => {
    expect(['github', 'gitlab', 'jira', 'pagerduty', 'opsgenie', 'argocd', 'flux', 'generic'].map(sourceLabel))
      .toEqual(['GitHub', 'GitLab', 'Jira', 'PagerDuty', 'Opsgenie', 'Argo CD', 'Flux', 'Generic webhook']);
    expect(sourceLabel('jenkins')).toBe('jenkins');
  });

  it('tells which tool reported a deployment from its Paved id', () => {
    expect(deploymentSource('github:acme/cart:1900000123')).toBe('github');
    expect(deploymentSource('gitlab:acme/identity/auth-service:1900105758')).toBe('gitlab');
    expect(deploymentSource('gitlab:acme/shop:pipeline/77')).toBe('gitlab');
    expect(deploymentSource('generic:argocd:argocd/user-profile@2025-12-01T10:27:41Z')).toBe('argocd');
    expect(deploymentSource('generic:flux:apps/Kustomization/webapp@main/731f7ea')).toBe('flux');
    expect(deploymentSource('generic:jenkins:build-42')).toBe('jenkins');
  });
});

describe('links into GitHub and GitLab', () => {
  it('sends nested group paths to GitLab, with GitLab\'s /-/ routes and !N references', () => {
    expect(commitLink('acme/identity/auth-service', SHA)).toBe(`https://gitlab.com/acme/identity/auth-service/-/commit/${SHA}`);
    expect(changeRequestLink('acme/identity/auth-service', 12)).toBe('https://gitlab.com/acme/identity/auth-service/-/merge_requests/12');
    expect(changeRequestRef('acme/identity/auth-service', 12)).toBe('!12');
  });

  it('keeps owner/repo on GitHub unless the catalog or a GitLab deployment says it is a GitLab project', () => {
    expect(commitLink('acme/cart', SHA)).toBe(`https://github.com/acme/cart/commit/${SHA}`);
    expect(changeRequestLink('acme/cart', 7)).toBe('https://github.com/acme/cart/pull/7');
    expect(changeRequestRef('acme/cart', 7)).toBe('#7');
    expect(commitLink('platform/deployer', SHA, selfManaged)).toBe(`https://git.acme.dev/platform/deployer/-/commit/${SHA}`);
    expect(changeRequestLink('platform/deployer', 3, selfManaged)).toBe('https://git.acme.dev/platform/deployer/-/merge_requests/3');
  });

  it('links nothing it cannot place', () => {
    expect(commitLink('unknown', SHA)).toBeNull();
    expect(commitLink('acme/cart', null)).toBeNull();
    expect(changeRequestLink('cart', 3)).toBeNull();
  });
});

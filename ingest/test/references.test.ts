import { describe, expect, it } from 'vitest';
import { explicitLinks } from '../src/github/normalise.js';
import { deploymentReference, deploymentReferences } from '../src/references.js';

describe('incident references to a deployment, in the forms the failure-link SQL resolves', () => {
  it.each([
    ['github:acme/ledger:9000082', null, 'github:acme/ledger:9000082'],
    ['generic:argocd:42', null, 'generic:argocd:42'],
    ['9000082', 'acme/ledger', 'acme/ledger:9000082'],
    ['9000082', null, '9000082'],
    ['9000082', 'unknown', '9000082'],
    ['acme/ledger#9000082', null, 'acme/ledger:9000082'],
    ['acme/ledger:9000082', 'acme/other', 'acme/ledger:9000082'],
    ['https://api.github.com/repos/acme/ledger/deployments/9000082', null, 'acme/ledger:9000082'],
    ['https://github.example.com/api/v3/repos/acme/ledger/deployments/9000082/statuses', null, 'acme/ledger:9000082'],
    ['<https://api.github.com/repos/acme/ledger/deployments/9000082>', null, 'acme/ledger:9000082'],
    ['[the deploy](https://api.github.com/repos/acme/ledger/deployments/9000082).', null, 'acme/ledger:9000082'],
    ['https://github.com/acme/ledger/actions/runs/77/attempts/2', null, 'actions:acme/ledger:run/77'],
    ['https://argo.example.com/applications/ledger?rev=3', null, 'https://argo.example.com/applications/ledger?rev=3'],
    ['3F2A9C1', 'acme/ledger', '3f2a9c1'],
    ['acme/ledger@3f2a9c1e', null, 'acme/ledger:3f2a9c1e'],
  ])('%s (repo %s) → %s', (written, repo, expected) => {
    expect(deploymentReference(written, repo)).toBe(expected);
  });

  it('drops empty values and duplicates', () => {
    expect(deploymentReferences(['', '`9000082`', 'acme/ledger#9000082'], 'acme/ledger')).toEqual(['acme/ledger:9000082']);
  });

  it('an issue body may name deployments by GitHub id, URL and sha on "deployment:" lines', () => {
    const body = [
      'Payments failed after the rollout.',
      '- **Deployment**: 9000082, https://api.github.com/repos/acme/billing/deployments/9000090',
      'deployment id: `3f2a9c1`',
      'Deployment: failed after the rollout',
    ].join('\n');
    expect(explicitLinks(body, 'acme/ledger').deploymentIds).toEqual(['acme/ledger:9000082', 'acme/billing:9000090', '3f2a9c1']);
  });
});

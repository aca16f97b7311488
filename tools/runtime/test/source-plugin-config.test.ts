/*
 * A source plugin's config section (docs/sources/adding-a-source.md): validated by the plugin's own
 * schema when paved.config.yaml is loaded, with the path in the message; an unknown section is
 * refused as before; the secrets its routes name pass through the environment.
 */

import { defineSource, dlq, requireSecret, sources } from '@paved/ingest';
import { PavedConfig } from '@paved/schemas';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadEnv, parseConfigText, sourceSectionProblems } from '../src/config.js';

const shipit = defineSource({
  id: 'shipit', title: 'ShipIt', docs: 'docs/sources/shipit.md',
  config: z.object({ enabled: z.boolean().default(true) }).strict(),
  webhooks: [{
    path: '/webhooks/shipit', secrets: ['SHIPIT_WEBHOOK_TOKEN'],
    authenticate: (_request, secrets) => { requireSecret(secrets, 'SHIPIT_WEBHOOK_TOKEN'); return { kind: 'token' }; },
    delivery: (_request, body) => ({ source: 'shipit', event: 'deployment', deliveryId: 'x', payload: body.json() }),
  }],
  normalise: () => dlq('not needed here'),
});
const registry = sources.with(shipit);

function check(raw: { sources: Record<string, unknown> }) {
  const config = PavedConfig.parse(raw);
  return { problems: sourceSectionProblems(config, raw, registry), config };
}

describe('a source plugin\'s config section', () => {
  it('is validated and given its defaults by the plugin\'s schema', () => {
    const ok = check({ sources: { shipit: {} } });
    expect(ok.problems).toEqual([]);
    expect(ok.config.sources.shipit).toEqual({ enabled: true });
  });

  it('names the path of a bad value, within the section or the section itself', () => {
    expect(check({ sources: { shipit: { enabled: 'yes' } } }).problems).toEqual(['sources.shipit.enabled: Invalid input: expected boolean, received string (got "yes")']);
    expect(check({ sources: { shipit: 'on' } }).problems[0]).toMatch(/^sources\.shipit: /);
  });

  it('refuses a section no registered source has settings for, as a misspelt key', () => {
    expect(check({ sources: { shipitt: {} } }).problems).toEqual(['sources: unknown key(s) "shipitt": remove or fix the spelling']);
    expect(check({ sources: { generic: {} } }).problems).toEqual(['sources: unknown key(s) "generic": remove or fix the spelling']);
    expect(() => parseConfigText('sources:\n  gihub: { org: acme }\n')).toThrow('sources: unknown key(s) "gihub": remove or fix the spelling');
  });

  it('lets the secrets its routes name through the environment, and nothing else unknown', () => {
    const env = loadEnv({ PAVED_WEBHOOK_TOKEN: 'tok', SHIPIT_WEBHOOK_TOKEN: 'ship', SOMETHING_ELSE: 'x' }, registry) as Record<string, unknown>;
    expect(env).toMatchObject({ PAVED_WEBHOOK_TOKEN: 'tok', SHIPIT_WEBHOOK_TOKEN: 'ship' });
    expect(env.SOMETHING_ELSE).toBeUndefined();
    expect((loadEnv({ SHIPIT_WEBHOOK_TOKEN: 'ship' }) as Record<string, unknown>).SHIPIT_WEBHOOK_TOKEN).toBeUndefined();
  });
});

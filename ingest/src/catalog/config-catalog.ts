import { createHash } from 'node:crypto';
import { CanonicalEvent, SCHEMA_VERSION, type PavedConfig } from '@paved/schemas';

/** The services listed in paved.config.yaml as catalog events (same path as Backstage files). */
export function catalogEventsFromConfig(config: PavedConfig, now = new Date()): CanonicalEvent[] {
  const stamp = now.toISOString();
  return config.catalog.services.map((service) => {
    const data = {
      service: service.name, team: service.team, tier: service.tier ?? null, repo: service.repo, path: service.path ?? null,
      lifecycle: service.lifecycle ?? null, system: null,
      annotations: service.template ? { 'backstage.io/source-template': service.template } : {},
      source_template: service.template ?? null, created_at: null, updated_at: stamp,
    };
    const digest = createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);
    return CanonicalEvent.parse({
      id: `catalog:config:${service.name}:${digest}`, source: 'catalog', type: 'catalog_entity', occurred_at: stamp, received_at: stamp,
      schema_version: SCHEMA_VERSION, raw: { delivery_id: `config:${digest}`, event: 'paved.config.yaml' }, data,
    });
  });
}

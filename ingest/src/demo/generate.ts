/**
 * The demo organisation: `acme`, its teams, services and developers, and a deterministic history
 * of what they did — as the webhooks GitHub and PagerDuty would have sent (`demoDeliveries`) and
 * as the canonical events that have no webhook source (`demoCanonicalEvents`: catalog, golden-path
 * adoption, developer surveys). The same options always produce the same bytes.
 */
import { CanonicalEvent, SCHEMA_VERSION, type CatalogEntity } from '@paved/schemas';
import type { Delivery } from '../delivery.js';
import { DAY, instant, isWeekend, MINUTE } from './calendar.js';
import { estimateCounts } from './estimate.js';
import { buildOrg, catalogEntityOf, type DemoOptions, type OrgModel, type ServiceModel } from './org.js';
import { Random, stableUuid } from './random.js';
import { Simulation } from './simulation.js';
import { surveyCampaigns, surveyDefinition, surveyResponses } from './survey.js';

export type { DemoOptions, DemoScale } from './org.js';

export interface DemoOrg {
  org: string;
  teams: { name: string; developers: number }[];
  services: CatalogEntity[];
  developers: { login: string; team: string }[];
}

export function demoOrg(options: DemoOptions): DemoOrg {
  const model = buildOrg(options);
  return {
    org: model.org,
    teams: model.teams.map((t) => ({ name: t.name, developers: t.developers.length })),
    services: model.services.map((s) => catalogEntityOf(s, model.until)),
    developers: model.developers.map((d) => ({ login: d.login, team: d.team })),
  };
}

/** Yields deliveries in chronological order (by receivedAt), lazily, so large scale does not hold everything in memory. */
export function demoDeliveries(options: DemoOptions): Generator<Delivery> {
  return new Simulation(buildOrg(options)).deliveries();
}

/**
 * Canonical events that have no webhook source: one catalog entity per service (Backstage-like),
 * golden-path adoption events (template runs, services created, pipelines adopted, docs published),
 * and two survey rounds of responses plus the survey definition they answer.
 */
export function* demoCanonicalEvents(options: DemoOptions): Generator<CanonicalEvent> {
  const model = buildOrg(options);
  yield* catalogEvents(model);
  yield* adoptionEvents(model);
  const definition = surveyDefinition();
  const campaigns = surveyCampaigns(model.until);
  const publishedAt = (campaigns[0]?.opensAt ?? model.until) - 7 * DAY;
  yield envelope('survey', 'survey_definition', `survey-definition:${definition.id}:${definition.version}`, publishedAt, publishedAt, {
    type: 'survey_definition', data: definition,
  });
  for (const response of surveyResponses(model, definition, campaigns)) {
    const at = Date.parse(response.submitted_at);
    yield envelope('survey', 'survey_response', `survey-response:${response.id}`, at, at + 2000, { type: 'survey_response', data: response });
  }
}

/**
 * Expected number of deliveries (and of canonical events once normalised: one per delivery plus one
 * per pushed commit), from the same rates the simulation draws from. Within about 5% of the real
 * count, and computed in well under a second even for large scale (which takes minutes to generate).
 */
export function demoCounts(options: DemoOptions): { deliveries: number; canonicalEvents: number } {
  return estimateCounts(buildOrg(options));
}

type EventBody = Pick<CanonicalEvent, 'type' | 'data'>;

/** Wraps a body in the canonical envelope; parsing keeps the demo honest about the contract. */
function envelope(source: 'catalog' | 'paved' | 'survey', event: string, key: string, occurredAt: number, receivedAt: number, body: EventBody): CanonicalEvent {
  return CanonicalEvent.parse({
    id: `${source}:${key}`,
    source,
    occurred_at: instant(occurredAt),
    received_at: instant(receivedAt),
    schema_version: SCHEMA_VERSION,
    raw: { delivery_id: `demo:${key}`, event },
    ...body,
  });
}

function* catalogEvents(model: OrgModel): Generator<CanonicalEvent> {
  // The catalog is read once, just before the end of the history.
  const readAt = model.until - 30 * MINUTE;
  for (const service of model.services) {
    const entity = catalogEntityOf(service, model.until);
    yield envelope('catalog', 'catalog_entity', `service:${service.name}`, Date.parse(entity.updated_at), readAt, { type: 'catalog_entity', data: entity });
  }
}

interface Adoption {
  at: number;
  kind: 'template_run' | 'service_created' | 'pipeline_adopted' | 'docs_published';
  service: ServiceModel;
  template: string | null;
  detail: string;
}

function adoptions(model: OrgModel): Adoption[] {
  const rng = new Random(model.seed, `adoption:${model.scale}`);
  const out: Adoption[] = [];
  for (const service of model.services) {
    if (service.goldenMode === 'template') {
      out.push({ at: service.createdAt - rng.between(5, 40) * MINUTE, kind: 'template_run', service, template: service.template, detail: `run by ${service.team.name}` });
      out.push({ at: service.createdAt, kind: 'service_created', service, template: service.template, detail: `repository ${service.repo.fullName}` });
    }
    if (service.goldenMode === 'adopted' && service.goldenSince !== null) {
      out.push({ at: service.goldenSince, kind: 'pipeline_adopted', service, template: service.template, detail: 'migrated to the golden-path deployment pipeline' });
    }
    if (!service.techdocs) continue;
    // TechDocs rebuilds on documentation changes: every few weeks for a documented service.
    const from = Math.max(model.start, service.createdAt);
    for (let at = from + rng.between(1, 30) * DAY; at < model.until; at += rng.between(10, 45) * DAY) {
      if (!isWeekend(at)) out.push({ at, kind: 'docs_published', service, template: null, detail: 'TechDocs site rebuilt' });
    }
  }
  // Template runs that did not become services: trials and abandoned scaffolds.
  const trials = Math.round(model.services.length * 0.08);
  for (let i = 0; i < trials; i++) {
    const service = rng.pick(model.services);
    const template = service.template ?? 'template:default/node-service';
    out.push({ at: model.start + rng.next() * (model.until - model.start - DAY), kind: 'template_run', service, template, detail: 'dry run, not published' });
  }
  return out.sort((a, b) => a.at - b.at);
}

function* adoptionEvents(model: OrgModel): Generator<CanonicalEvent> {
  for (const a of adoptions(model)) {
    const at = Math.round(a.at);
    const id = stableUuid(`${model.seed}:${model.scale}:${a.kind}:${a.service.name}:${at}`);
    const trial = a.detail.startsWith('dry run');
    yield envelope('paved', 'adoption', `adoption:${id}`, at, at + 1000, {
      type: 'adoption',
      data: {
        id, kind: a.kind, service: trial ? null : a.service.name, team: a.service.team.name, template: a.template,
        occurred_at: instant(at), detail: a.detail,
      },
    });
  }
}

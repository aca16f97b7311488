import type { Delivery, NormaliseContext, NormaliseOutcome } from '../delivery.js';
import type { DataHealthRow, SourcePlugin, WebhookRoute } from './contract.js';

/** A registered webhook route with the source it belongs to. */
export interface RegisteredRoute {
  source: SourcePlugin;
  route: WebhookRoute;
}

/**
 * The sources Paved knows, by id and by webhook path. Built from a list of plugins
 * (ingest/src/sources/index.ts); a path or id registered twice is a programming error and throws.
 */
export class SourceRegistry {
  private readonly byId = new Map<string, SourcePlugin>();
  private readonly byPath = new Map<string, RegisteredRoute>();

  constructor(plugins: Iterable<SourcePlugin> = []) {
    for (const plugin of plugins) this.register(plugin);
  }

  register(plugin: SourcePlugin): this {
    if (this.byId.has(plugin.id)) throw new Error(`source "${plugin.id}" is registered twice`);
    for (const route of plugin.webhooks) {
      const taken = this.byPath.get(route.path);
      if (taken) throw new Error(`webhook route ${route.path} of "${plugin.id}" is already taken by "${taken.source.id}"`);
    }
    this.byId.set(plugin.id, plugin);
    for (const route of plugin.webhooks) this.byPath.set(route.path, { source: plugin, route });
    return this;
  }

  /** A copy with more sources (tests, or a deployment adding its own). */
  with(...plugins: SourcePlugin[]): SourceRegistry {
    return new SourceRegistry([...this.byId.values(), ...plugins]);
  }

  get sources(): SourcePlugin[] {
    return [...this.byId.values()];
  }

  source(id: string): SourcePlugin | undefined {
    return this.byId.get(id);
  }

  route(path: string): RegisteredRoute | undefined {
    return this.byPath.get(path);
  }

  get routes(): RegisteredRoute[] {
    return [...this.byPath.values()];
  }

  /** One delivery -> canonical events with its source's normaliser (backfill deliveries with its extract step). */
  normalise(delivery: Delivery, context: NormaliseContext): NormaliseOutcome {
    const plugin = this.byId.get(delivery.source);
    if (!plugin) return { kind: 'dlq', reason: `no webhook normaliser for source "${delivery.source}"` };
    if (plugin.backfill?.isBackfillEvent(delivery.event)) return plugin.backfill.extract(delivery, context);
    return plugin.normalise(delivery, context);
  }

  /** Data health's "waiting for the first delivery" rows: each source's own, or one per webhook route with its first secret. */
  healthRows(): DataHealthRow[] {
    return this.sources.flatMap((plugin) => plugin.health
      ?? plugin.webhooks.filter((route) => route.secrets[0]).map((route) => ({ source: plugin.id, path: route.path, secret: route.secrets[0]! })));
  }
}

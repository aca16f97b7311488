export { normaliseContextOf } from '@paved/runtime';

import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Bus, DEMO_SHARED_PATHS, InProcessBus } from '@paved/ingest';
import type { PavedConfig, PavedEnv } from '@paved/schemas';
import { readWarehouseLock, Warehouse } from '@paved/warehouse';
import { AuthGate, type AuthGateOptions, sessionKeyFrom } from './auth/oidc.js';

export function dataDirOf(env: PavedEnv): string {
  return resolve(env.PAVED_DATA_DIR);
}


export async function openWarehouse(env: PavedEnv, config: PavedConfig, command: string): Promise<Warehouse> {
  return Warehouse.open({
    url: env.CLICKHOUSE_URL,
    user: env.CLICKHOUSE_USER,
    password: env.CLICKHOUSE_PASSWORD,
    database: env.CLICKHOUSE_DATABASE,
    dataDir: join(dataDirOf(env)),
    command,
    cluster: config.clickhouse.cluster,
    memoryMb: env.PAVED_EMBEDDED_MEMORY_MB,
  });
}

export async function createBus(env: PavedEnv, config: PavedConfig): Promise<Bus> {
  // Embedded mode journals every acknowledged record under the data directory (see InProcessBus).
  if (!env.KAFKA_BROKERS) return new InProcessBus({ journalDir: join(dataDirOf(env), 'bus') });
  const { KafkaBus, PlatformaticKafkaBus, kafkaBrokersFromEnv } = await import('@paved/ingest/kafka');
  const brokers = kafkaBrokersFromEnv(env.KAFKA_BROKERS);
  if (!brokers?.length) throw new Error(`KAFKA_BROKERS="${env.KAFKA_BROKERS}" lists no broker: use host:port[,host:port]`);
  const Client = env.PAVED_KAFKA_CLIENT === 'platformatic' ? PlatformaticKafkaBus : KafkaBus;
  return new Client({ brokers, topicPrefix: config.bus.topicPrefix, partitions: config.bus.partitions, lagGroupId: sinkGroupOf(config) });
}

/** The sink's consumer group: one per topic prefix, so pipelines sharing a cluster never share members ("paved-sink" by default). */
export function sinkGroupOf(config: PavedConfig): string {
  return `${config.bus.topicPrefix}-sink`;
}

/** The admin token of a running `paved start`, readable only by its user (0600). */
export function adminTokenPath(env: PavedEnv): string {
  return join(dataDirOf(env), 'admin.token');
}

/**
 * The admin token: PAVED_ADMIN_TOKEN when set (never written anywhere: whoever set it has it, and a
 * file left by an earlier start is removed so commands do not read a stale token), otherwise a new
 * random one written to adminTokenPath (0600) for the CLI on this machine.
 */
export function createAdminToken(env: PavedEnv): string {
  const path = adminTokenPath(env);
  if (env.PAVED_ADMIN_TOKEN) {
    rmSync(path, { force: true });
    return env.PAVED_ADMIN_TOKEN;
  }
  const token = randomBytes(24).toString('base64url');
  mkdirSync(dataDirOf(env), { recursive: true });
  rmSync(path, { force: true });
  writeFileSync(path, token, { mode: 0o600, flag: 'wx' });
  return token;
}

/** When `paved start` holds the embedded warehouse: its loopback URL and admin token, so commands can go through it. */
export function runningServer(env: PavedEnv): { url: string; token: string | null; pid: number } | null {
  if (env.CLICKHOUSE_URL) return null;
  const holder = readWarehouseLock(dataDirOf(env));
  if (!holder?.adminUrl) return null;
  let token: string | null = null;
  try {
    token = readFileSync(adminTokenPath(env), 'utf8').trim();
  } catch {
    token = env.PAVED_ADMIN_TOKEN ?? null;
  }
  return { url: holder.adminUrl, token, pid: holder.pid };
}

/** The demo organisation's platform pipelines deploy as this bot (see ingest/src/demo). */
export const DEMO_PLATFORM_CREATOR = 'acme-pipelines[bot]';

/** Settings the demo organisation needs: its platform pipeline's deploy bot (adoption), its monorepos' shared libraries (change sets). */
export function withDemoDefaults(config: PavedConfig): PavedConfig {
  const creators = config.metrics.platformPipelines.creators;
  const withCreator = creators.includes(DEMO_PLATFORM_CREATOR)
    ? config
    : { ...config, metrics: { ...config.metrics, platformPipelines: { ...config.metrics.platformPipelines, creators: [...creators, DEMO_PLATFORM_CREATOR] } } };
  const shared = withCreator.catalog.sharedPaths;
  const missing = DEMO_SHARED_PATHS.filter((demo) => !shared.some((s) => s.path === demo.path && s.repo === undefined));
  return missing.length ? { ...withCreator, catalog: { ...withCreator.catalog, sharedPaths: [...shared, ...missing] } } : withCreator;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Without auth.oidc the dashboard has no sign-in, so it never listens beyond loopback unless the
 * operator says access is restricted elsewhere (PAVED_ALLOW_UNAUTHENTICATED_BIND=1, e.g. a
 * container whose port is published on 127.0.0.1 only, or an authenticating proxy in front).
 */
export function assertSafeBind(config: PavedConfig, host: string, source = process.env): void {
  if (config.auth.oidc || LOOPBACK_HOSTS.has(host) || source.PAVED_ALLOW_UNAUTHENTICATED_BIND === '1') return;
  throw new Error(`refusing to listen on ${host} without sign-in: configure auth.oidc in paved.config.yaml (see README, "Sign-in"), or use HOST=127.0.0.1, or set PAVED_ALLOW_UNAUTHENTICATED_BIND=1 if access is restricted elsewhere (a port published on loopback, an authenticating proxy).`);
}

/** The sign-in gate when auth.oidc is configured, and the key the dashboard opens sessions with. */
export function createAuthGate(config: PavedConfig, env: PavedEnv, listen: { host: string; port: number }, adminToken: string | null, log: AuthGateOptions['log']): { gate: AuthGate; sessionKey: Uint8Array } | null {
  const settings = config.auth.oidc;
  if (!settings) return null;
  const sessionKey = sessionKeyFrom(env.PAVED_SESSION_SECRET, join(dataDirOf(env), 'session.secret'));
  const host = LOOPBACK_HOSTS.has(listen.host) || listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host;
  const gate = new AuthGate({
    settings, sessionKey, adminToken, log,
    fallbackPublicUrl: `http://${host.includes(':') ? `[${host}]` : host}:${listen.port}`,
    clientSecret: env.OIDC_CLIENT_SECRET,
  });
  return { gate, sessionKey };
}

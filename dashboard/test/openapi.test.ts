/** The OpenAPI document: valid OpenAPI 3.1, clean JSON Schema 2020-12, and the same routes as the route files (the real answers: openapi.responses.test.ts). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiDocument } from '@paved/schemas';
import { apiDocument } from '../lib/openapi.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Operation = { operationId: string; parameters?: { name: string; in: string; required: boolean; description?: string; schema: Record<string, unknown> }[]; responses: Record<string, unknown>; security: unknown[] };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object>; securitySchemes: Record<string, unknown> } };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const document = apiDocument() as unknown as Document;

/** `app/api/v1/export/[table]/route.ts` → `/api/v1/export/{table}`, with the HTTP methods the file exports. */
function routeFiles(dir: string): { path: string; methods: string[] }[] {
  const out: { path: string; methods: string[] }[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...routeFiles(full));
    else if (name === 'route.ts') {
      const path = `/${relative(join(ROOT, 'dashboard', 'app'), dir).split(sep).join('/')}`.replace(/\[([^\]]+)\]/g, '{$1}');
      const methods = [...readFileSync(full, 'utf8').matchAll(/export (?:async )?function (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]!.toLowerCase());
      out.push({ path, methods });
    }
  }
  return out;
}

function documented(prefix: string): string[] {
  return Object.entries(document.paths).filter(([path]) => path.startsWith(prefix)).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`)).sort();
}

function files(prefix: string): string[] {
  return routeFiles(join(ROOT, 'dashboard', 'app', ...prefix.split('/').filter(Boolean))).flatMap((r) => r.methods.map((m) => `${m} ${r.path}`)).sort();
}

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    // The validator is real: a response without its description is not OpenAPI.
    const broken = structuredClone(document) as Document;
    delete (broken.paths['/api/v1/roi']!.get!.responses['200'] as { description?: string }).description;
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it('has clean JSON Schema 2020-12 schemas: every component compiles in Ajv strict mode with its references resolved', () => {
    const ajv = addFormats(new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true }));
    for (const [id, schema] of Object.entries(document.components.schemas)) ajv.addSchema(schema, `#/components/schemas/${id}`);
    for (const id of Object.keys(document.components.schemas)) expect(() => ajv.getSchema(`#/components/schemas/${id}`), id).not.toThrow();
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['DoraResult', 'RoiResult', 'FlowResult', 'AdoptionResult', 'ExplainResult', 'RoadmapResult', 'SurveyResults', 'SurveyCampaigns', 'HealthReport', 'Error', 'BadRequestError']));
  });

  it('documents every route file under /api/v1 and nothing else there (paths and methods)', () => {
    expect(documented('/api/v1/')).toEqual(files('/api/v1'));
  });

  it('documents admin routes that exist (paths and methods)', () => {
    const admin = documented('/api/admin/');
    expect(admin.length).toBeGreaterThanOrEqual(12);
    expect(files('/api/admin')).toEqual(expect.arrayContaining(admin));
  });

  it('names the credentials: the session cookie and the admin bearer token; health and the document itself are public', () => {
    expect(document.components.securitySchemes).toMatchObject({ session: { type: 'apiKey', in: 'cookie', name: 'paved_session' }, adminToken: { type: 'http', scheme: 'bearer' } });
    expect(document.paths['/api/v1/metrics/dora']!.get!.security).toEqual([{ session: [] }, { adminToken: [] }]);
    expect(document.paths['/api/admin/transform']!.post!.security).toEqual([{ adminToken: [] }, { session: [] }]);
    expect(document.paths['/api/health']!.get!.security).toEqual([]);
    expect(document.paths['/api/openapi.json']!.get!.security).toEqual([]);
  });

  it('describes every query parameter, with the 400 it answers when one is wrong', () => {
    for (const [path, ops] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const parameter of op.parameters ?? []) expect(parameter.description, `${method} ${path} ?${parameter.name}`).toBeTruthy();
        if (op.parameters?.length) expect(op.responses['400'], `${method} ${path}`).toEqual({ $ref: '#/components/responses/BadRequest' });
      }
    }
    const dora = document.paths['/api/v1/metrics/dora']!.get!.parameters!;
    expect(dora.map((p) => p.name)).toEqual(['from', 'to', 'team', 'service', 'profile', 'goldenPath']);
    expect(dora.find((p) => p.name === 'from')).toMatchObject({ in: 'query', required: false, schema: { type: 'string', format: 'date', examples: ['2026-09-01'] } });
    expect(document.paths['/api/v1/roi']!.get!.parameters!.filter((p) => p.required).map((p) => p.name)).toEqual(['from', 'to']);
  });

  it('refuses two different schemas under one name', () => {
    const a = z.object({ a: z.string() }).meta({ id: 'Twice' });
    const b = z.object({ b: z.number() }).meta({ id: 'Twice' });
    const op = (path: string, json: z.ZodType) => ({ method: 'get' as const, path, operationId: path, tag: 't', summary: 's', access: 'public' as const, answers: { 200: { description: 'd', json } } });
    expect(() => openApiDocument([op('/a', a), op('/b', b)], { version: '1', description: '', tags: [], errors: { badRequest: a, error: a } })).toThrow(/two different schemas are both called Twice/);
  });
});

import { z } from 'zod';

/*
 * The OpenAPI 3.1 document is generated from the zod contracts, never written by hand: each
 * operation names its query, path parameters, body and answers as zod schemas, and
 * `openApiDocument` turns them into JSON Schema 2020-12 with zod's own `z.toJSONSchema`. Schemas
 * given an `id` in their `.meta()` become `components.schemas` entries referenced by `$ref`.
 */

export type Access = 'public' | 'viewer' | 'admin';

export interface ApiAnswer {
  description: string;
  /** A JSON body of this schema. */
  json?: z.ZodType;
  /** A body of another media type (`text/csv`), described in words. */
  media?: { type: string; description: string };
}

export interface ApiOperation {
  method: 'get' | 'post';
  /** OpenAPI path template (`/api/v1/export/{table}`). */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  /** Each property is a query parameter (descriptions and examples from `.meta()`). */
  query?: z.ZodType;
  params?: Record<string, z.ZodType>;
  body?: { description: string; json?: z.ZodType; form?: boolean; csv?: boolean };
  /** Success answers by status; errors are added from `access` and `errors`. */
  answers: Record<string, ApiAnswer>;
  /** Error statuses this operation answers besides the usual ones (400 with a query or body, 401/403, 500/503). */
  errors?: string[];
}

export interface DocumentInfo {
  version: string;
  description: string;
  errors: { badRequest: z.ZodType; error: z.ZodType };
  tags: { name: string; description: string }[];
}

type Json = Record<string, unknown>;

const MAX = Number.MAX_SAFE_INTEGER;

/** zod writes the safe-integer bounds onto every `int()`: they say nothing to a reader. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === '$id') continue;
    if (key === 'maximum' && value === MAX) continue;
    if (key === 'minimum' && value === -MAX) continue;
    out[key] = tidy(value);
  }
  return out;
}

/** Rewrites `#/$defs/X` references to `#/components/schemas/X`. */
function relink(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relink);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === '$ref' && typeof value === 'string' ? value.replace(/^#\/\$defs\//, '#/components/schemas/') : relink(value);
  }
  return out;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

class Components {
  readonly schemas: Record<string, Json> = {};

  private add(id: string, schema: Json): void {
    const existing = this.schemas[id];
    if (existing && !same(existing, schema)) throw new Error(`two different schemas are both called ${id}: give one another id`);
    this.schemas[id] = schema;
  }

  /** The JSON Schema of a zod schema, its named parts moved to components; a named schema itself becomes a `$ref`. */
  schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
    const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', cycles: 'ref', reused: 'inline' }) as Json;
    const { $defs, ...root } = generated as Json & { $defs?: Record<string, Json> };
    for (const [id, def] of Object.entries($defs ?? {})) this.add(id, relink(tidy(def)) as Json);
    const body = relink(tidy(root)) as Json;
    // A named schema comes back as a reference to its own definition.
    if (typeof body.$ref === 'string' && Object.keys(body).length === 1) return body;
    const id = z.globalRegistry.get(schema)?.id;
    if (!id || io === 'input') return body;
    this.add(id, body);
    return { $ref: `#/components/schemas/${id}` };
  }
}

/** Query (or path) parameters from an object schema's input side: one per property. */
function parametersOf(schema: z.ZodType, where: 'query' | 'path', components: Components): Json[] {
  const generated = components.schemaOf(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  const required = new Set(generated.required ?? []);
  return Object.entries(generated.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property as Json & { description?: string };
    return { name, in: where, required: where === 'path' || required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

const SECURITY: Record<Access, Json[]> = {
  public: [],
  // Either credential; without auth.oidc Paved listens on loopback only and asks for neither (see the schemes).
  viewer: [{ session: [] }, { adminToken: [] }],
  admin: [{ adminToken: [] }, { session: [] }],
};

export function openApiDocument(operations: readonly ApiOperation[], info: DocumentInfo): Json {
  const components = new Components();
  const errorRef = { $ref: '#/components/responses/Error' };
  const paths: Record<string, Record<string, Json>> = {};
  for (const op of operations) {
    const parameters = [
      ...Object.entries(op.params ?? {}).flatMap(([name, schema]) => parametersOf(z.object({ [name]: schema }), 'path', components)),
      ...(op.query ? parametersOf(op.query, 'query', components) : []),
    ];
    const responses: Record<string, Json> = {};
    for (const [status, answer] of Object.entries(op.answers)) {
      const content: Json = {};
      if (answer.json) content['application/json'] = { schema: components.schemaOf(answer.json, 'output') };
      if (answer.media) content[answer.media.type] = { schema: { type: 'string', description: answer.media.description } };
      responses[status] = { description: answer.description, ...(Object.keys(content).length ? { content } : {}) };
    }
    if (op.query || op.body || op.params) responses['400'] = { $ref: '#/components/responses/BadRequest' };
    if (op.access !== 'public') responses['401'] = { $ref: '#/components/responses/Unauthenticated' };
    if (op.access === 'admin') responses['403'] = { $ref: '#/components/responses/Forbidden' };
    for (const status of op.errors ?? []) responses[status] = { ...errorRef };
    responses['500'] = { $ref: '#/components/responses/Failed' };
    let requestBody: Json | undefined;
    if (op.body) {
      const content: Json = {};
      if (op.body.json) content['application/json'] = { schema: components.schemaOf(op.body.json, 'input') };
      if (op.body.form) content['application/x-www-form-urlencoded'] = { schema: { type: 'object', description: 'The dashboard\'s form: the same fields, answered with a 303 back to `returnTo`.' } };
      if (op.body.csv) content['text/csv'] = { schema: { type: 'string' } };
      requestBody = { required: true, description: op.body.description, content };
    }
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      tags: [op.tag],
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      security: SECURITY[op.access],
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }
  const json = (schema: z.ZodType) => ({ 'application/json': { schema: components.schemaOf(schema, 'output') } });
  return {
    openapi: '3.1.1',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Paved HTTP API',
      version: info.version,
      description: info.description,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    tags: info.tags,
    paths,
    components: {
      securitySchemes: {
        session: {
          type: 'apiKey', in: 'cookie', name: 'paved_session',
          description: 'The sign-in session of the dashboard (auth.oidc): the browser sends it after signing in at /auth/signin. Viewers read `/api/v1`; admins also use `/api/admin`. Without auth.oidc Paved listens on loopback only and asks for no credential.',
        },
        adminToken: {
          type: 'http', scheme: 'bearer',
          description: 'The admin token of this server (`PAVED_ADMIN_TOKEN`, or the one `paved start` writes to the data directory) as `Authorization: Bearer <token>`: what the CLI sends to a running Paved. Admin on every route.',
        },
      },
      responses: {
        BadRequest: { description: 'A parameter or the body is wrong: each issue names it and says what is allowed.', content: json(info.errors.badRequest) },
        Unauthenticated: { description: 'Sign-in is on (auth.oidc) and the request has neither a session nor the admin token.', content: json(info.errors.error) },
        Forbidden: { description: 'Signed in without the admin role, or a state-changing request that does not come from a Paved page.', content: json(info.errors.error) },
        Error: { description: 'Not found, or not available in this process: the message says which.', content: json(info.errors.error) },
        Failed: { description: 'The warehouse failed (500), or is unreachable (503): the message says what failed.', content: json(info.errors.error) },
      },
      schemas: components.schemas,
    },
  };
}

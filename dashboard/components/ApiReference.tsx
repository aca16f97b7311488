import type { ReactNode } from 'react';
import styles from './ApiReference.module.css';

/*
 * The OpenAPI document rendered on the server as plain HTML: no script, no CDN, works offline. It
 * reads only what lib/openapi.ts generates (JSON Schema 2020-12 with `$ref`s into components).
 */

type Json = Record<string, unknown>;
type Schema = Json & { $ref?: string; type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; enum?: unknown[]; const?: unknown; description?: string; examples?: unknown[]; format?: string; additionalProperties?: boolean | Schema };
interface Parameter { name: string; in: string; required: boolean; description?: string; schema: Schema }
interface Content { [media: string]: { schema?: Schema } }
interface Response { description?: string; content?: Content; $ref?: string }
interface Operation { operationId: string; tags: string[]; summary: string; description?: string; security: Json[]; parameters?: Parameter[]; requestBody?: { description?: string; content: Content }; responses: Record<string, Response> }
export interface OpenApiDocument {
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Json & { description?: string }>; responses: Record<string, Response>; schemas: Record<string, Schema> };
}

const refName = (ref: string) => ref.split('/').pop() ?? ref;
const schemaAnchor = (name: string) => `schema-${name}`;

/** Backticks become code; nothing else of Markdown is needed by the document's texts. */
function Text({ children }: { children?: string }) {
  if (!children) return null;
  return <>{children.split('`').map((part, i) => (i % 2 ? <code key={i}>{part}</code> : part))}</>;
}

function Paragraphs({ text }: { text?: string }) {
  if (!text) return null;
  return <>{text.split(/\n\n+/).map((p, i) => <p key={i} className={styles.prose}><Text>{p}</Text></p>)}</>;
}

/** A short label for a schema's type: `string (date)`, `integer | null`, `DoraResult`, `array of DeploymentRow`. */
function TypeLabel({ schema }: { schema: Schema }): ReactNode {
  if (schema.$ref) return <a href={`#${schemaAnchor(refName(schema.$ref))}`}>{refName(schema.$ref)}</a>;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return <>{variants.map((v, i) => <span key={i}>{i ? ' | ' : ''}<TypeLabel schema={v} /></span>)}</>;
  if (schema.const !== undefined) return <code>{JSON.stringify(schema.const)}</code>;
  if (schema.enum) return <>{schema.enum.map((v, i) => <span key={i}>{i ? ' | ' : ''}<code>{JSON.stringify(v)}</code></span>)}</>;
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.includes('array') && schema.items) return <>array of <TypeLabel schema={schema.items} />{types.includes('null') ? ' | null' : ''}</>;
  if (!types.length) return <>any</>;
  return <>{types.join(' | ')}{schema.format ? ` (${schema.format})` : ''}</>;
}

/** The object a schema describes (itself, an array's items, or the object of a nullable union), when it lists properties inline. */
function inlineObject(schema: Schema): Schema | null {
  if (schema.properties) return schema;
  if (schema.items) return inlineObject(schema.items);
  for (const v of schema.anyOf ?? schema.oneOf ?? []) {
    const found = inlineObject(v);
    if (found) return found;
  }
  return null;
}

function Properties({ schema, depth }: { schema: Schema; depth: number }) {
  const required = new Set(schema.required ?? []);
  return (
    <ul className={styles.props}>
      {Object.entries(schema.properties ?? {}).map(([name, property]) => {
        const nested = depth < 6 ? inlineObject(property) : null;
        return (
          <li key={name}>
            <code className={styles.prop}>{name}</code>{' '}
            <span className={styles.type}><TypeLabel schema={property} /></span>
            {required.has(name) ? null : <span className={styles.optional}> optional</span>}
            {property.description ? <span className={styles.desc}> — <Text>{property.description}</Text></span> : null}
            {nested ? <Properties schema={nested} depth={depth + 1} /> : null}
          </li>
        );
      })}
    </ul>
  );
}

function SchemaView({ schema }: { schema: Schema }) {
  const object = inlineObject(schema);
  return (
    <div className={styles.schema}>
      <div><span className={styles.type}><TypeLabel schema={schema} /></span>{schema.description && !schema.$ref ? <span className={styles.desc}> — <Text>{schema.description}</Text></span> : null}</div>
      {object && !schema.$ref ? <Properties schema={object} depth={0} /> : null}
    </div>
  );
}

function Bodies({ content }: { content?: Content }) {
  if (!content) return null;
  return <>{Object.entries(content).map(([media, { schema }]) => (
    <div key={media} className={styles.media}><span className={styles.mediaType}>{media}</span>{schema ? <SchemaView schema={schema} /> : null}</div>
  ))}</>;
}

function Parameters({ parameters }: { parameters: Parameter[] }) {
  return (
    <ul className={styles.params}>
      {parameters.map((p) => (
        <li key={`${p.in}-${p.name}`}>
          <div>
            <code className={styles.prop}>{p.name}</code>{' '}
            <span className={styles.type}><TypeLabel schema={p.schema} /></span>{' '}
            <span className={styles.optional}>{p.in}{p.required ? ', required' : ', optional'}</span>
          </div>
          {p.description ? <div className={styles.desc}><Text>{p.description}</Text></div> : null}
          {p.schema.examples?.length ? <div className={styles.optional}>Example: <code>{String(p.schema.examples[0])}</code></div> : null}
        </li>
      ))}
    </ul>
  );
}

const ACCESS: Record<string, string> = { '': 'Public: no credential.', session: 'Session cookie or admin token (viewer or admin).', adminToken: 'Admin: the admin token, or a session with the admin role.' };

function OperationView({ method, path, op, responses }: { method: string; path: string; op: Operation; responses: Record<string, Response> }) {
  const access = ACCESS[Object.keys(op.security[0] ?? {})[0] ?? ''];
  return (
    <section className={`card ${styles.operation}`} id={op.operationId} aria-labelledby={`${op.operationId}-title`}>
      <h3 id={`${op.operationId}-title`} className={styles.opTitle}>
        <span className={`${styles.method} ${styles[method] ?? ''}`}>{method.toUpperCase()}</span> <code className={styles.path}>{path}</code>
      </h3>
      <p className={styles.summary}>{op.summary}</p>
      <Paragraphs text={op.description} />
      <p className="muted">{access}</p>
      {op.parameters?.length ? <><h4>Parameters</h4><Parameters parameters={op.parameters} /></> : null}
      {op.requestBody ? <><h4>Request body</h4><Paragraphs text={op.requestBody.description} /><Bodies content={op.requestBody.content} /></> : null}
      <h4>Responses</h4>
      <dl className={styles.responses}>
        {Object.entries(op.responses).map(([status, response]) => {
          const shared = response.$ref ? responses[refName(response.$ref)] : undefined;
          const shown = shared ?? response;
          return (
            <div key={status} className={styles.response}>
              <dt><span className={`${styles.status} ${status.startsWith('2') ? styles.ok : styles.error}`}>{status}</span></dt>
              <dd><Text>{shown.description}</Text>{shared ? null : <Bodies content={shown.content} />}</dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
}

export function ApiReference({ document }: { document: OpenApiDocument }) {
  const operations = Object.entries(document.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
  return (
    <div className={styles.reference}>
      <section className="card" aria-labelledby="api-overview">
        <h2 id="api-overview">Overview</h2>
        <Paragraphs text={document.info.description} />
        <h3>Credentials</h3>
        <dl className={styles.schemes}>
          {Object.entries(document.components.securitySchemes).map(([name, scheme]) => (
            <div key={name}><dt><code>{name}</code></dt><dd><Text>{scheme.description}</Text></dd></div>
          ))}
        </dl>
        <h3>Errors</h3>
        <dl className={styles.schemes}>
          {Object.entries(document.components.responses).map(([name, response]) => (
            <div key={name}><dt>{name}</dt><dd><Text>{response.description}</Text><Bodies content={response.content} /></dd></div>
          ))}
        </dl>
        <h3>Contents</h3>
        <ul className={styles.toc}>
          {document.tags.map((tag) => (
            <li key={tag.name}>
              <a href={`#tag-${tag.name.replace(/\W+/g, '-')}`}>{tag.name}</a>
              <ul>
                {operations.filter((o) => o.op.tags.includes(tag.name)).map((o) => (
                  <li key={o.op.operationId}><a href={`#${o.op.operationId}`}><span className={styles.tocMethod}>{o.method.toUpperCase()}</span> {o.path}</a></li>
                ))}
              </ul>
            </li>
          ))}
          <li><a href="#schemas">Schemas</a></li>
        </ul>
      </section>
      {document.tags.map((tag) => {
        const ops = operations.filter((o) => o.op.tags.includes(tag.name));
        if (!ops.length) return null;
        const id = `tag-${tag.name.replace(/\W+/g, '-')}`;
        return (
          <section key={tag.name} aria-labelledby={id} className={styles.group}>
            <h2 id={id} className="section-title">{tag.name}</h2>
            <p className="muted">{tag.description}</p>
            {ops.map((o) => <OperationView key={o.op.operationId} method={o.method} path={o.path} op={o.op} responses={document.components.responses} />)}
          </section>
        );
      })}
      <section aria-labelledby="schemas" className={styles.group}>
        <h2 id="schemas" className="section-title">Schemas</h2>
        {Object.entries(document.components.schemas).map(([name, schema]) => (
          <section key={name} className={`card ${styles.operation}`} id={schemaAnchor(name)} aria-labelledby={`${schemaAnchor(name)}-title`}>
            <h3 id={`${schemaAnchor(name)}-title`}><code>{name}</code></h3>
            <SchemaView schema={schema} />
          </section>
        ))}
      </section>
    </div>
  );
}

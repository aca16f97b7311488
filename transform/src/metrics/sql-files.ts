import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderStatements } from '@paved/warehouse';

/*
 * Metric and model SQL lives in `.sql` files under `metrics/sql/` (docs/architecture.md, "SQL"):
 * `queries/<area>/<name>.sql` for reads, `models/<table>.sql` for derived tables and `fragments/` for
 * text several files share. Each file is read once, when the module that names it is loaded.
 *
 * What a file may contain besides ClickHouse SQL:
 * - `{name:Type}`: a typed ClickHouse parameter, bound by @clickhouse/client. Values only ever go there.
 * - `{{db}}`: the database identifier (Warehouse.sql substitutes it).
 * - `{{on_cluster}}`: in DDL, as in migrations (renderStatements).
 * - `{{> name}}`: the text of `fragments/name.sql`, spliced in at load time.
 * - `{{slot}}`: a piece of SQL the caller chooses from text fixed in code (the scope filter `scopeWhere`
 *   builds, a column name out of a closed list), never a value. Every slot must be filled.
 *
 * Like the migrations folder, `metrics/sql/` is found beside this module (import.meta.url), which the
 * compiled `paved` bundle rewrites relative to itself and Next.js resolves at build time; the Docker
 * image copies the folder.
 */
export const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sql');

const NAME = /^[a-z0-9][a-z0-9_]*(\/[a-z0-9][a-z0-9_]*)*$/;
const FRAGMENT = /\{\{>\s*([a-z0-9_]+)\s*\}\}/g;
const SLOT = /\{\{([a-z][a-z0-9_]*)\}\}/g;
/** Placeholders that are not slots: filled by the Warehouse (`db`) and the DDL renderer (`on_cluster`). */
const RESERVED = new Set(['db', 'on_cluster']);
/** A slot is SQL text fixed in code: identifiers, operators, typed parameters. Quotes or comments mean a value got in. */
const SLOT_TEXT = /^[A-Za-z0-9_ .,=!<>()[\]{}:+*/-]*$/;

function readSql(dir: string, name: string, including: readonly string[] = []): string {
  if (!NAME.test(name)) throw new Error(`not an SQL file name: ${name}`);
  if (including.includes(name)) throw new Error(`SQL fragment ${name} includes itself (${[...including, name].join(' → ')})`);
  const text = readFileSync(join(dir, `${name}.sql`), 'utf8');
  // A fragment's leading comment lines document its file; spliced in, they would only break up the statement.
  return text.replace(FRAGMENT, (_match, fragment: string) => withoutHeader(readSql(dir, `fragments/${fragment}`, [...including, name])));
}

/** Where a statement runs: a single node, or a named cluster (`clickhouse.cluster`). */
export interface SqlTarget {
  readonly cluster?: string | undefined;
}

/** One `.sql` file, read and with its fragments spliced in. */
export class SqlFile {
  /** The `{{slot}}` names the text asks its caller for. */
  readonly slots: readonly string[];

  constructor(
    readonly name: string,
    /** The file's text, fragments spliced in; `{{db}}`, parameters and slots as written. */
    readonly text: string,
  ) {
    this.slots = [...new Set([...text.matchAll(SLOT)].map((m) => m[1]!).filter((slot) => !RESERVED.has(slot)))];
  }

  /** The text with its slots filled (no more, no fewer than it names). */
  fill(slots: Readonly<Record<string, string>> = {}): string {
    for (const slot of this.slots) if (slots[slot] === undefined) throw new Error(`${this.name}.sql needs the slot {{${slot}}}`);
    for (const [slot, value] of Object.entries(slots)) {
      if (!this.slots.includes(slot)) throw new Error(`${this.name}.sql has no slot {{${slot}}}`);
      if (!SLOT_TEXT.test(value) || value.includes('--')) throw new Error(`slot {{${slot}}} of ${this.name}.sql is not SQL text fixed in code: ${value}`);
    }
    return this.text.replace(SLOT, (match, slot: string) => (RESERVED.has(slot) ? match : slots[slot]!));
  }

  /**
   * The statement(s) for a single node (`cluster` unset) or a cluster, from the same text. DDL is
   * rendered as migrations are (renderStatements: `_local` replicated tables, Distributed fronts).
   * A read or INSERT … SELECT that names tables more than once (a JOIN, an IN subquery) gets `distributed_product_mode = 'global'`
   * on a cluster: its JOIN and IN subqueries then read the other Distributed table once, on the
   * node that received the query, and ship the result to every shard. Paved's tables are sharded
   * on their own sorting keys, so they are not co-located, and ClickHouse's default (`deny`)
   * refuses such a query on more than one shard.
   */
  render(cluster: string | undefined, slots: Readonly<Record<string, string>> = {}): string[] {
    const text = this.fill(slots).trim();
    if (/^(CREATE|ALTER|DROP|EXCHANGE|RENAME|TRUNCATE)\b/i.test(stripComments(text).trim())) return renderStatements(stripComments(text).trim(), cluster);
    if (!cluster || tableReferences(text) < 2) return [text];
    return [withSetting(text, "distributed_product_mode = 'global'")];
  }

  /** The one statement for `target` (a Warehouse), with slots filled. */
  for(target: SqlTarget, slots: Readonly<Record<string, string>> = {}): string {
    const statements = this.render(target.cluster, slots);
    if (statements.length !== 1) throw new Error(`${this.name}.sql renders to ${statements.length} statements here: use render()`);
    return statements[0]!;
  }
}

const loaded = new Map<string, SqlFile>();

/** Reads `metrics/sql/<name>.sql` (once per process) with its fragments. */
export function sqlFile(name: string, dir = SQL_DIR): SqlFile {
  const key = `${dir}\0${name}`;
  let file = loaded.get(key);
  if (!file) {
    file = new SqlFile(name, readSql(dir, name));
    loaded.set(key, file);
  }
  return file;
}

/** A file's text without the comment lines it starts with, trimmed. */
function withoutHeader(text: string): string {
  return text.replace(/^(\s*--[^\n]*\n)+/, '').trim();
}

/** The text of `fragments/<name>.sql` as it is spliced into files (its leading comment lines left out), for SQL still composed in code. */
export function sqlFragment(name: string, dir = SQL_DIR): string {
  return withoutHeader(sqlFile(`fragments/${name}`, dir).text);
}

/**
 * The statement of `models/<name>.sql` as the `REBUILD_*` constants carry it: without its leading comment
 * lines, between newlines (the definitions fingerprint hashes this text, so it stays what it was inline).
 */
export function sqlModel(name: string, dir = SQL_DIR): string {
  return `\n${withoutHeader(sqlFile(`models/${name}`, dir).text)}\n`;
}

/** Reads several files of one folder: `sqlFiles('flow', ['overall', 'teams'])` → `{ overall, teams }`. */
export function sqlFiles<const K extends string>(folder: string, names: readonly K[], dir = SQL_DIR): Record<K, SqlFile> {
  return Object.fromEntries(names.map((name) => [name, sqlFile(`${folder}/${name}`, dir)])) as Record<K, SqlFile>;
}

/** How many times a statement names one of Paved's tables (`{{db}}.<table>`), the same one twice included (a self-join). */
function tableReferences(text: string): number {
  return [...stripComments(text).matchAll(/\{\{db\}\}\.[A-Za-z_]/g)].length;
}

function stripComments(text: string): string {
  return text.replace(/--[^\n]*/g, '');
}

/**
 * Adds a setting to the statement's own SETTINGS clause (the last one outside parentheses,
 * strings and comments), or appends one.
 */
export function withSetting(text: string, setting: string): string {
  let depth = 0;
  let last = -1;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      const end = closing(text, i, c);
      i = end;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      continue;
    }
    if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (depth === 0 && /^SETTINGS\b/i.test(text.slice(i, i + 9)) && !/[A-Za-z0-9_]/.test(text[i - 1] ?? ' ')) last = i;
  }
  const body = text.replace(/\s*(--[^\n]*\s*)*$/, '');
  return last === -1 ? `${body}\nSETTINGS ${setting}` : `${body}, ${setting}`;
}

function closing(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

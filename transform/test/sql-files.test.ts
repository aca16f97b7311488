import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SQL_DIR, SqlFile, sqlFile, sqlFragment, withSetting } from '../src/metrics/sql-files.js';

/** Every `.sql` file under metrics/sql/ by its name (`queries/flow/overall`). */
function sqlNames(folder: string): string[] {
  return (readdirSync(join(SQL_DIR, folder), { recursive: true, encoding: 'utf8' }) as string[])
    .filter((file) => file.endsWith('.sql'))
    .map((file) => relative(SQL_DIR, join(SQL_DIR, folder, file)).replace(/\.sql$/, '').split('\\').join('/'))
    .sort();
}

describe('SQL files', () => {
  it('every query and model file loads (its fragments exist) and has a snapshot test naming it', () => {
    const tests = readdirSync(new URL('./sql/', import.meta.url), { encoding: 'utf8' })
      .filter((file) => file.endsWith('.sql.test.ts'))
      .map((file) => readFileSync(new URL(`./sql/${file}`, import.meta.url), 'utf8'))
      .join('\n');
    const names = [...sqlNames('queries'), ...(readdirSync(SQL_DIR).includes('models') ? sqlNames('models') : [])];
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      expect(sqlFile(name).text).not.toMatch(/\{\{>/);
      expect(tests.includes(`'${name}'`), `${name}.sql has no test in transform/test/sql naming it ('${name}')`).toBe(true);
    }
  });

  it('splices fragments in without their comment lines', () => {
    expect(sqlFragment('service_catalog')).toMatch(/^service_catalog AS \(/);
    expect(sqlFile('queries/catalog/services').text).toContain('WITH service_catalog AS (');
  });

  it('fills slots with SQL text fixed in code, all of them and nothing else', () => {
    const file = new SqlFile('t', 'SELECT {{key}} FROM {{db}}.x WHERE {{scope}} AND y = {y:String}');
    expect(file.slots).toEqual(['key', 'scope']);
    expect(file.fill({ key: 'team', scope: 'team = {team:String}' })).toBe('SELECT team FROM {{db}}.x WHERE team = {team:String} AND y = {y:String}');
    expect(() => file.fill({ key: 'team' })).toThrow(/needs the slot \{\{scope\}\}/);
    expect(() => file.fill({ key: 'team', scope: '1', other: '1' })).toThrow(/has no slot \{\{other\}\}/);
    // A value spliced in as text (a quote, a comment) is refused: values go in parameters.
    expect(() => file.fill({ key: 'team', scope: "team = 'core'" })).toThrow(/not SQL text fixed in code/);
    expect(() => file.fill({ key: 'team', scope: '1 -- ' })).toThrow(/not SQL text fixed in code/);
  });

  it('renders reads the same for a single node and a cluster unless they name tables more than once', () => {
    const one = new SqlFile('one', 'SELECT count() FROM {{db}}.t_changes WHERE team = {team:String}');
    expect(one.render(undefined)).toEqual(one.render('main'));
    const join = new SqlFile('join', 'SELECT * FROM {{db}}.a AS a LEFT JOIN (SELECT k FROM {{db}}.b SETTINGS max_threads = 1) AS b ON b.k = a.k\nSETTINGS join_use_nulls = 0\n-- done');
    expect(join.render(undefined)).toEqual([join.text.trim()]);
    expect(join.for({ cluster: 'main' })).toBe("SELECT * FROM {{db}}.a AS a LEFT JOIN (SELECT k FROM {{db}}.b SETTINGS max_threads = 1) AS b ON b.k = a.k\nSETTINGS join_use_nulls = 0, distributed_product_mode = 'global'");
  });

  it('adds a setting to the statement\'s own SETTINGS clause, not one in a subquery, string or comment', () => {
    expect(withSetting('SELECT 1', 'a = 1')).toBe('SELECT 1\nSETTINGS a = 1');
    expect(withSetting("SELECT 'SETTINGS' FROM (SELECT 1 SETTINGS b = 2) -- SETTINGS\n", 'a = 1')).toBe("SELECT 'SETTINGS' FROM (SELECT 1 SETTINGS b = 2)\nSETTINGS a = 1");
    expect(withSetting('SELECT 1 SETTINGS b = 2', 'a = 1')).toBe('SELECT 1 SETTINGS b = 2, a = 1');
  });

  it('renders DDL as migrations are rendered (renderStatements)', () => {
    const ddl = new SqlFile('ddl', '-- a twin\nDROP TABLE IF EXISTS {{db}}.t_x {{on_cluster}}');
    expect(ddl.render(undefined)).toEqual(['DROP TABLE IF EXISTS {{db}}.t_x ']);
    expect(ddl.render('main')).toEqual(['DROP TABLE IF EXISTS {{db}}.t_x ON CLUSTER main SYNC', 'DROP TABLE IF EXISTS {{db}}.t_x_local ON CLUSTER main SYNC']);
  });
});

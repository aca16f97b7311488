import { describeIssues, SurveyDefinition } from '@paved/schemas';
import { parse as parseYaml, YAMLParseError } from 'yaml';

/** A definition file that cannot be used, with one line per problem (`path: what is wrong`). */
export class DefinitionError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`${source} is not a valid survey definition:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DefinitionError';
  }
}

/** Parses and validates a YAML (or JSON) survey definition; ids must be unique across drivers and items. */
export function parseDefinition(text: string, source = 'survey definition'): SurveyDefinition {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const where = error.linePos?.[0] ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}` : 'unknown position';
      throw new DefinitionError(source, [`YAML syntax error at ${where}: ${error.message.split('\n')[0]}`]);
    }
    throw error;
  }
  const parsed = SurveyDefinition.safeParse(raw);
  if (!parsed.success) throw new DefinitionError(source, describeIssues(parsed.error, raw));
  const problems = duplicateIds(parsed.data);
  if (problems.length) throw new DefinitionError(source, problems);
  return parsed.data;
}

function duplicateIds(definition: SurveyDefinition): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  const note = (id: string, where: string) => {
    const earlier = seen.get(id);
    if (earlier) problems.push(`${where}: id "${id}" is already used at ${earlier}; every driver and item needs its own id`);
    else seen.set(id, where);
  };
  definition.drivers.forEach((driver, d) => {
    note(driver.id, `drivers.${d}.id`);
    driver.items.forEach((item, i) => note(item.id, `drivers.${d}.items.${i}.id`));
  });
  definition.extra_items.forEach((item, i) => note(item.id, `extra_items.${i}.id`));
  return problems;
}

/** `developer-experience@2` → id and version; a bare id means "the newest version". */
export function parseSurveyRef(ref: string): { id: string; version: number | null } {
  const [id = '', version] = ref.split('@');
  return { id, version: version === undefined ? null : Number(version) };
}

export { driverOfItem, itemsOf, scaleLabels, AGREEMENT_LABELS, FREQUENCY_LABELS } from './items.js';

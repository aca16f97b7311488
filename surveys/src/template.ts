import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SurveyDefinition } from '@paved/schemas';
import { parseDefinition } from './definition.js';

export const TEMPLATES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'templates');
export const DEFAULT_TEMPLATE = 'developer-experience';

/** A definition shipped in surveys/templates/ (default: the developer-experience survey). */
export function loadTemplate(name = DEFAULT_TEMPLATE): SurveyDefinition {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) throw new Error(`no survey template named "${name}"`);
  const file = join(TEMPLATES_DIR, `${name}.yaml`);
  return parseDefinition(readFileSync(file, 'utf8'), file);
}

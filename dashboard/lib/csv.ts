/**
 * RFC 4180 CSV: fields with commas, quotes or line breaks are quoted, quotes doubled, CRLF rows.
 * Text that a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe,
 * since PR titles and commit messages come from anyone with push access.
 */
export type Cell = string | number | boolean | null | undefined | readonly string[];

export interface Column<Row> {
  header: string;
  value: (row: Row) => Cell;
}

const FORMULA = /^[=+\-@\t\r]/;

export function csvField(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (Array.isArray(value)) text = value.join('; ');
  else if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  else if (typeof value === 'boolean') return value ? 'true' : 'false';
  else text = String(value);
  if (FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(c.value(row))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

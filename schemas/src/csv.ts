/**
 * The one CSV field writer (RFC 4180), for every export Paved offers: the dashboard's tables and the
 * survey results alike. Fields with commas, quotes, line breaks or edge spaces are quoted, quotes
 * doubled. Text a spreadsheet would run as a formula (=, +, -, @, tab or CR first) gets a leading
 * apostrophe, since titles, messages and free text come from anyone with push access or a survey
 * link; a plain number written as text ("-3", "+1.5") is left alone.
 */
export type CsvCell = string | number | boolean | null | undefined | readonly string[];

const FORMULA = /^[=+\-@\t\r]/;
const NUMBER = /^[+-]?\d+(\.\d+)?$/;

export function csvField(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  let text = Array.isArray(value) ? value.join('; ') : String(value);
  if (FORMULA.test(text) && !NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows of cells as CSV text with CRLF line ends (the header is the first row). */
export function csvRows(rows: readonly (readonly CsvCell[])[]): string {
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

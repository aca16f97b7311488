/** Table exports as CSV; fields go through the one writer in @paved/schemas (quoting, formula guard). */
import { csvRows, type CsvCell } from '@paved/schemas';

export type Cell = CsvCell;

export interface Column<Row> {
  header: string;
  value: (row: Row) => Cell;
}

export function toCsv<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  return csvRows([columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => c.value(row)))]);
}

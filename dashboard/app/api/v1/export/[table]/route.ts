import { ExportQuery, ExportTableParam } from '@paved/schemas';
import { badRequest, failed, queryObject } from '@/lib/api';
import { exportCsv } from '@/lib/exports';

export const dynamic = 'force-dynamic';

/**
 * GET /api/v1/export/<table>.csv?from=…&to=…[&team=][&service=][&metric=][&deployment=]
 * Every table on the dashboard as CSV, with the same parameters as its page.
 */
export async function GET(request: Request, { params }: { params: Promise<{ table: string }> }) {
  const table = ExportTableParam.safeParse((await params).table);
  if (!table.success) return Response.json({ error: 'not_found', message: table.error.issues[0]?.message }, { status: 404 });
  const query = ExportQuery.safeParse(queryObject(request));
  if (!query.success) return badRequest(query.error);
  try {
    const { csv, filename } = await exportCsv(table.data, query.data);
    return new Response(csv, {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${filename}"`,
        'cache-control': 'no-store',
      },
    });
  } catch (error) {
    return failed(error);
  }
}

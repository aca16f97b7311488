import { apiDocument } from '@/lib/openapi';

export const dynamic = 'force-static';

/**
 * GET /api/openapi.json: the OpenAPI 3.1 document of the HTTP API, generated from the zod
 * contracts. Public (no sign-in): it describes the routes and holds no data (docs/api.md).
 */
export function GET() {
  return Response.json(apiDocument(), { headers: { 'cache-control': 'public, max-age=300' } });
}

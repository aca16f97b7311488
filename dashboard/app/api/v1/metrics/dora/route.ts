import { doraApiResponse } from '@paved/runtime';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/**
 * GET /api/v1/metrics/dora[?from=YYYY-MM-DD][&to=YYYY-MM-DD][&team=][&service=][&goldenPath=true|false][&profile=2023|2024] (default: the last 90 days).
 * `paved start` and `paved dashboard` answer it in their front door before Next.js; this file serves it
 * when the dashboard runs on its own. Both are tools/runtime/src/dora-api.ts.
 */
export function GET(request: Request): Promise<Response> {
  return doraApiResponse(request, runtime);
}

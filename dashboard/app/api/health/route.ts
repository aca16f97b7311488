import type { HealthReport } from '@paved/schemas';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/** Warehouse, bus and schedule status; 503 when any of them is unhealthy. */
export async function GET() {
  const report: HealthReport = await runtime().health();
  return Response.json(report, { status: report.ok ? 200 : 503 });
}

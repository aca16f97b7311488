import { failed } from '@/lib/api';
import { forbidden, requireAdmin } from '@/lib/auth';
import { runtime } from '@/lib/runtime';

export const dynamic = 'force-dynamic';

/** POST /api/admin/transform: recompute every derived table now (admin). */
export async function POST(request: Request) {
  try {
    await requireAdmin(request);
    return Response.json(await runtime().runTransform());
  } catch (error) {
    return forbidden(error) ?? failed(error);
  }
}

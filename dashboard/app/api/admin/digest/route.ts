import { currentRuntime } from '@paved/runtime';
import { DigestRequest, runDigest } from '@paved/insights';
import { badRequest, failed } from '@/lib/api';
import { forbidden, requireAdmin } from '@/lib/auth';

export const dynamic = 'force-dynamic';

/**
 * POST /api/admin/digest (admin): `paved digest` through the running `paved start`. Body
 * { week?, team?, org?, channel?, dryRun?, force? }; answers previews (dry run) or delivery outcomes.
 */
export async function POST(request: Request) {
  try {
    await requireAdmin(request);
    const parsed = DigestRequest.safeParse(await request.json().catch(() => ({})));
    if (!parsed.success) return badRequest(parsed.error);
    const scheduler = currentRuntime()?.digests;
    if (!scheduler) return Response.json({ error: 'unavailable', message: 'this process does not send digests (paved start and paved transform do)' }, { status: 503 });
    return Response.json(await runDigest(scheduler, parsed.data));
  } catch (error) {
    return forbidden(error) ?? failed(error);
  }
}

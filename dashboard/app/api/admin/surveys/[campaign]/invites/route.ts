import { postInvites } from '@paved/surveys';
import { failed } from '@/lib/api';
import { forbidden, requireAdmin } from '@/lib/auth';
import { surveyContext } from '@/lib/surveys';

export const dynamic = 'force-dynamic';

/** POST /api/admin/surveys/[campaign]/invites: mint single-use links for `email,team` rows; the links come back once (JSON, or a CSV download for the form) and are not stored (admin). */
export async function POST(request: Request, { params }: { params: Promise<{ campaign: string }> }) {
  try {
    await requireAdmin(request);
    const { campaign } = await params;
    return await postInvites(request, campaign, surveyContext(request));
  } catch (error) {
    return forbidden(error) ?? failed(error);
  }
}

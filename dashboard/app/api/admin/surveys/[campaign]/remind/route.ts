import { postRemind } from '@paved/surveys';
import { failed } from '@/lib/api';
import { forbidden, requireAdmin } from '@/lib/auth';
import { surveyContext } from '@/lib/surveys';

export const dynamic = 'force-dynamic';

/** POST /api/admin/surveys/[campaign]/remind: record a reminder to the whole audience and return its text (admin). */
export async function POST(request: Request, { params }: { params: Promise<{ campaign: string }> }) {
  try {
    await requireAdmin(request);
    const { campaign } = await params;
    return await postRemind(request, campaign, surveyContext(request));
  } catch (error) {
    return forbidden(error) ?? failed(error);
  }
}

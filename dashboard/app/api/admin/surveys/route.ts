import { postCampaign } from '@paved/surveys';
import { failed } from '@/lib/api';
import { forbidden, requireAdmin } from '@/lib/auth';
import { surveyContext } from '@/lib/surveys';

export const dynamic = 'force-dynamic';

/** POST /api/admin/surveys: create a campaign (admin). JSON or the admin form. */
export async function POST(request: Request) {
  try {
    await requireAdmin(request);
    return await postCampaign(request, surveyContext(request));
  } catch (error) {
    return forbidden(error) ?? failed(error);
  }
}

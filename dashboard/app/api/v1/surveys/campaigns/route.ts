import { failure, getCampaigns } from '@paved/surveys';
import { surveyContext } from '@/lib/surveys';

export const dynamic = 'force-dynamic';

/** GET /api/v1/surveys/campaigns: campaigns with status and response counts. */
export async function GET(request: Request) {
  try {
    return await getCampaigns(request, surveyContext(request));
  } catch (error) {
    return failure(error);
  }
}

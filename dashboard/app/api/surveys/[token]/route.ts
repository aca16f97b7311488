import { failure, postResponse } from '@paved/surveys';
import { surveyContext } from '@/lib/surveys';

export const dynamic = 'force-dynamic';

/**
 * POST /api/surveys/[token]: save or submit the answers of one invite link. Public (no sign-in):
 * the link is the credential. Answers go straight into the warehouse (first-party data, not the bus).
 */
export async function POST(request: Request, { params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  try {
    return await postResponse(request, token, surveyContext(request));
  } catch (error) {
    return failure(error);
  }
}

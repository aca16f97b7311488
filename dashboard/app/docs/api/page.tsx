import { ApiReference, type OpenApiDocument } from '@/components/ApiReference';
import { PageHeader } from '@/components/ui';
import { apiDocument } from '@/lib/openapi';

export const metadata = { title: 'API reference' };

/** The HTTP API's reference, rendered from the same generated document as /api/openapi.json. */
export default function ApiReferencePage() {
  const document = apiDocument() as unknown as OpenApiDocument;
  return (
    <>
      <PageHeader
        title="API reference"
        subtitle={<>Every route of the HTTP API, generated from the contracts the routes themselves check (OpenAPI {String((document as unknown as { openapi: string }).openapi)}, version {document.info.version}). Download <a href="/api/openapi.json">/api/openapi.json</a> for client generators and tools.</>}
      />
      <ApiReference document={document} />
    </>
  );
}

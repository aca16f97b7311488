import 'server-only';

// One definition for the Next.js routes and the front door's own (tools/runtime/src/dora-api.ts).
export { badRequest, failed, queryObject } from '@paved/runtime';

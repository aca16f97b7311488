/** What admin routes that take a plain HTML form (as well as JSON) share. */

/** Only same-site paths: a form must not be able to bounce the browser elsewhere. */
export function safeReturn(value: unknown): string | null {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  return value;
}

/** The path with `key=value` as its only outcome parameter (an earlier `saved` or `error` goes). */
export function withParam(path: string, key: string, value: string): string {
  const url = new URL(path, 'http://paved.local');
  url.searchParams.delete('saved');
  url.searchParams.delete('error');
  url.searchParams.set(key, value);
  return `${url.pathname}${url.search}`;
}

export function isForm(request: Request): boolean {
  const type = request.headers.get('content-type') ?? '';
  return type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data');
}

/** A 303 back to the page the form came from (relative, so it works behind any proxy). */
export function back(path: string): Response {
  return new Response(null, { status: 303, headers: { location: path } });
}

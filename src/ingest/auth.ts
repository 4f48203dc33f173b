import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Accepts `Authorization: Bearer <token>` or `?token=<token>`: Falco's http_output
 * cannot send custom headers, so the query string is the only way it can authenticate.
 * Both sides are hashed first so the comparison takes the same time whatever the
 * length of the guess.
 */
export function isAuthorized(req: IncomingMessage, url: URL, expected: string): boolean {
  const header = req.headers.authorization;
  let presented: string | undefined;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m) presented = m[1];
  }
  presented ??= url.searchParams.get('token') ?? undefined;
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

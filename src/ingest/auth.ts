import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Accepts `Authorization: Bearer <token>` or `?token=<token>`: Falco's http_output
 * cannot send custom headers, so the query string is the only way it can authenticate.
 * Both sides are hashed first so the comparison takes the same time whatever the
 * length of the guess.
 */
export function isAuthorized(req: IncomingMessage, expected: string): boolean {
  const header = req.headers.authorization;
  let presented: string | undefined;
  if (typeof header === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (m) presented = m[1];
  }
  // The query string is parsed only when there is no Bearer header (Falco's http_output).
  presented ??= new URL(req.url ?? '/', 'http://localhost').searchParams.get('token') ?? undefined;
  if (presented === undefined) return false;
  const a = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, digestOf(expected));
}

let cached: { token: string; digest: Buffer } | undefined;
/** The expected token's digest, computed once (it is the same on every request). */
function digestOf(token: string): Buffer {
  if (cached?.token !== token)
    cached = { token, digest: createHash('sha256').update(token).digest() };
  return cached.digest;
}

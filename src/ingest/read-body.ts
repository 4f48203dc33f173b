import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import { HttpError } from '../http/errors.js';

/**
 * Reads a request body, gunzipping when asked, and stops as soon as the *decoded*
 * size passes the limit: a 10 KB gzip bomb must not become 10 GB in memory.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'x-gzip') {
    req.resume();
    throw new HttpError(
      415,
      'unsupported_encoding',
      `Content-Encoding ${encoding} is not supported; send identity or gzip`,
    );
  }
  const declared = Number(req.headers['content-length']);
  if (encoding === 'identity' && Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new HttpError(
      413,
      'body_too_large',
      `body is ${declared} bytes; the limit is ${maxBytes} (MAX_BODY_BYTES)`,
    );
  }
  const source: NodeJS.ReadableStream = encoding === 'identity' ? req : req.pipe(createGunzip());
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > maxBytes) {
        req.unpipe();
        req.resume();
        throw new HttpError(
          413,
          'body_too_large',
          `decoded body exceeds ${maxBytes} bytes (MAX_BODY_BYTES)`,
        );
      }
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(
      400,
      'bad_encoding',
      `body could not be read as ${encoding}: ${(err as Error).message}`,
    );
  }
  return Buffer.concat(chunks, size);
}

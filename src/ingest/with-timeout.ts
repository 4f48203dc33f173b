/** Thrown when Redis takes longer than REDIS_TIMEOUT_MS: it is treated as unavailable. */
export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Gives up waiting on `p` after `ms`. The work itself is not cancelled (a Redis command
 * sent is sent): callers must be fine with it completing later, as an XADD retried from
 * the spool is (the engine counts an event once).
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
  });
  p.catch(() => undefined); // a late failure after the timeout is nobody's to handle
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

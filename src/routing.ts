import { priorityRank, sourceOf, type Alert, type Priority } from './alert.js';

/**
 * Which channel an alert's incident lives in. Routes come from CONFIG_FILE, are tried
 * in order, and the first whose every condition holds wins; an alert no route claims
 * goes to SLACK_DEFAULT_CHANNEL. A route with no conditions claims everything.
 */
export interface Route {
  channel: string;
  /** Any of these sources (`syscall`, `k8s_audit`, ...). */
  sources?: readonly string[];
  /** Any of these exact rule names. */
  rules?: readonly string[];
  /** At least this severe. */
  minPriority?: Priority;
  /** At least one of these tags. */
  tags?: readonly string[];
}

export function routeAlert(alert: Alert, routes: readonly Route[], fallback: string): string {
  for (const r of routes) {
    if (r.sources && !r.sources.includes(sourceOf(alert))) continue;
    if (r.rules && !r.rules.includes(alert.rule)) continue;
    if (r.minPriority && priorityRank(alert.priority) > priorityRank(r.minPriority)) continue;
    if (r.tags && !(alert.tags ?? []).some((t) => r.tags!.includes(t))) continue;
    return r.channel;
  }
  return fallback;
}

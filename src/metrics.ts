/**
 * A few counters and gauges in Prometheus text format. Small enough that a client
 * library would add more than it saves; labels are fixed sets chosen by our code,
 * never values from an alert, so cardinality stays bounded.
 */
type Labels = Record<string, string>;

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, { labels: Labels; value: number }>;
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export class Metrics {
  private readonly metrics = new Map<string, Metric>();

  private metric(name: string, help: string, type: Metric['type']): Metric {
    let m = this.metrics.get(name);
    if (!m) {
      m = { name, help, type, values: new Map() };
      this.metrics.set(name, m);
    }
    return m;
  }

  counter(name: string, help: string) {
    const m = this.metric(name, help, 'counter');
    return {
      inc: (labels: Labels = {}, by = 1) => {
        const k = labelKey(labels);
        const cur = m.values.get(k);
        if (cur) cur.value += by;
        else m.values.set(k, { labels, value: by });
      },
      get: (labels: Labels = {}) => m.values.get(labelKey(labels))?.value ?? 0,
    };
  }

  gauge(name: string, help: string) {
    const m = this.metric(name, help, 'gauge');
    return {
      set: (value: number, labels: Labels = {}) => {
        m.values.set(labelKey(labels), { labels, value });
      },
    };
  }

  render(): string {
    const out: string[] = [];
    for (const m of this.metrics.values()) {
      out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
      if (m.values.size === 0 && m.type === 'counter') out.push(`${m.name} 0`);
      for (const { labels, value } of m.values.values()) {
        const ls = Object.entries(labels)
          .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
          .join(',');
        out.push(`${m.name}${ls ? `{${ls}}` : ''} ${value}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}

/** The counters the bot exports; one instance per process, passed in, never global. */
export function createBotMetrics(registry = new Metrics()) {
  return {
    registry,
    alertsReceived: registry.counter(
      'falco_triage_alerts_received_total',
      'Alerts received on POST /falco',
    ),
    alertsRejected: registry.counter(
      'falco_triage_alerts_rejected_total',
      'Requests to POST /falco refused, by reason',
    ),
    alertsEnqueued: registry.counter(
      'falco_triage_alerts_enqueued_total',
      'Alerts durably stored in the Redis stream',
    ),
    alertsDropped: registry.counter(
      'falco_triage_alerts_dropped_total',
      'Alerts accepted but deliberately not processed, by reason (e.g. source=internal)',
    ),
    alertsProcessed: registry.counter(
      'falco_triage_alerts_processed_total',
      'Alerts turned into incident occurrences, by outcome (new, grouped, reopened, duplicate)',
    ),
    slackCalls: registry.counter(
      'falco_triage_slack_calls_total',
      'Slack Web API calls, by method',
    ),
    slackErrors: registry.counter(
      'falco_triage_slack_errors_total',
      'Slack Web API calls that failed, by method and error',
    ),
    queueLag: registry.gauge(
      'falco_triage_stream_pending',
      'Alerts in the stream not yet acknowledged by an incident worker',
    ),
  };
}
export type BotMetrics = ReturnType<typeof createBotMetrics>;

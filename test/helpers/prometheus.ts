/**
 * Reads Prometheus text exposition (what GET /metrics answers) into numbers, so tests can
 * check that a series moved by exactly what they did.
 */
export class Scrape {
  private readonly values = new Map<string, number>();
  readonly names = new Set<string>();

  constructor(readonly text: string) {
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!m) throw new Error(`not Prometheus text: ${line}`);
      const labels: Record<string, string> = {};
      for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
      this.names.add(m[1]!);
      this.values.set(seriesKey(m[1]!, labels), Number(m[3]));
    }
  }

  /** The value of one series, or 0 when the series is absent (a counter never incremented). */
  get(name: string, labels: Record<string, string> = {}): number {
    return this.values.get(seriesKey(name, labels)) ?? 0;
  }

  has(name: string, labels: Record<string, string> = {}): boolean {
    return this.values.has(seriesKey(name, labels));
  }
}

function seriesKey(name: string, labels: Record<string, string>): string {
  const ls = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
  return `${name}{${ls}}`;
}

export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  return new Scrape(await res.text());
}

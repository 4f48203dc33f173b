/**
 * One log line per key per interval, however many times the condition recurs: under an
 * outage or a flood, every refused request must not become a line. The line that goes
 * out says how many occurrences it stands for.
 */
export class ThrottledLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `emit` with the count of occurrences since the last emitted line, or not at all. */
  hit(key: string, emit: (occurrences: number) => void): void {
    const t = this.now();
    const seen = this.last.get(key);
    if (seen && t - seen.at < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    // Keys are a fixed set chosen by the caller (reasons), so the map stays small.
    this.last.set(key, { at: t, suppressed: 0 });
    emit((seen?.suppressed ?? 0) + 1);
  }
}

/**
 * A one-line progress bar on a terminal stream (stderr): drawn only when the stream is a TTY, redrawn
 * at most every `intervalMs`, erased when done. Never writes anything when the stream is a pipe or file,
 * so --json output and logs stay clean.
 */

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export class ProgressBar {
  private last = 0;
  private drawn = false;
  private readonly enabled: boolean;

  constructor(
    private readonly stream: ProgressStream,
    private readonly intervalMs = 100,
    private readonly now: () => number = Date.now,
  ) {
    this.enabled = stream.isTTY === true;
  }

  /** Shows `label` and done/total (a fraction when total is 0 or unknown is drawn as 0%). */
  update(label: string, done: number, total: number): void {
    if (!this.enabled) return;
    const t = this.now();
    if (this.drawn && t - this.last < this.intervalMs && done < total) return;
    this.last = t;
    const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - label.length - 20));
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    this.stream.write(`\r${label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}%\u001b[K`);
    this.drawn = true;
  }

  /** Erases the bar (if one was drawn). */
  done(): void {
    if (!this.enabled || !this.drawn) return;
    this.stream.write('\r\u001b[K');
    this.drawn = false;
  }
}

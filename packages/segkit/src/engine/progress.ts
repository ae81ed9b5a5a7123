// Training progress: a live one-line bar on a terminal, plain lines otherwise (CI, pipes, files).
export interface ProgressUpdate {
  iter: number;
  total: number;
  loss?: number;
  lr?: number;
  extra?: string;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

export class Progress {
  #start: number;
  #startIter: number | null = null;
  #lastPlain = 0;

  /** `plainEvery`: on non-TTY streams, print a line at most this often (iterations). */
  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly plainEvery = 50,
    private readonly now: () => number = Date.now,
  ) {
    this.#start = now();
  }

  get isTty(): boolean {
    return Boolean(this.stream.isTTY);
  }

  /** The line for an update: iteration, loss, lr, it/s and ETA. */
  line(u: ProgressUpdate): string {
    this.#startIter ??= u.iter - 1;
    const done = u.iter - this.#startIter;
    const elapsed = (this.now() - this.#start) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const eta = rate > 0 ? (u.total - u.iter) / rate : Infinity;
    const parts = [
      `${u.iter}/${u.total}`,
      u.loss === undefined ? "" : `loss ${u.loss.toFixed(4)}`,
      u.lr === undefined ? "" : `lr ${u.lr.toExponential(2)}`,
      `${rate.toFixed(2)} it/s`,
      `eta ${formatDuration(eta)}`,
      u.extra ?? "",
    ].filter((p) => p !== "");
    if (!this.isTty) return parts.join("  ");
    const width = 24;
    const filled = Math.round((u.iter / u.total) * width);
    return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${parts.join("  ")}`;
  }

  update(u: ProgressUpdate): void {
    this.#startIter ??= u.iter - 1;
    if (this.isTty) {
      this.stream.write(`\r${this.line(u)}\x1b[K`);
    } else if (u.iter - this.#lastPlain >= this.plainEvery || u.iter === u.total) {
      this.#lastPlain = u.iter;
      this.stream.write(this.line(u) + "\n");
    }
  }

  /** Prints a message on its own line without breaking the bar. */
  note(message: string): void {
    this.stream.write((this.isTty ? "\r\x1b[K" : "") + message + "\n");
  }

  done(): void {
    if (this.isTty) this.stream.write("\n");
  }
}

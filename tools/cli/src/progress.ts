import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, detail?: string): void;
  setTotal(total: number): void;
  stop(finalMessage?: string): void;
}

/**
 * A progress bar with ETA on a terminal; on a pipe or in CI, one log line every few seconds
 * (a redrawn bar would only fill the log).
 */
export function progress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted} | {detail}`, hideCursor: true, etaBuffer: 50, stream },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { detail: '' });
    return {
      update: (done, detail = '') => bar.update(done, { detail }),
      setTotal: (value) => bar.setTotal(value),
      stop: (finalMessage) => {
        bar.stop();
        if (finalMessage) stream.write(`${finalMessage}\n`);
      },
    };
  }
  let last = 0;
  let currentTotal = total;
  const started = Date.now();
  return {
    update: (done, detail = '') => {
      const now = Date.now();
      if (now - last < 3_000) return;
      last = now;
      const rate = done / Math.max(1, (now - started) / 1000);
      const eta = rate > 0 ? Math.round((currentTotal - done) / rate) : null;
      stream.write(`${label}: ${done}/${currentTotal} (${Math.round((done / Math.max(1, currentTotal)) * 100)}%)${eta !== null ? `, ETA ${eta}s` : ''}${detail ? `, ${detail}` : ''}\n`);
    },
    setTotal: (value) => { currentTotal = value; },
    stop: (finalMessage) => {
      if (finalMessage) stream.write(`${finalMessage}\n`);
    },
  };
}

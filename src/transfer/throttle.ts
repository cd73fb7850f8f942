// Progress is reported per chunk by the data path; people and --json need at most a few a second.
export interface Throttled<T> {
  (value: T): void;
  /** Reports the last value now, if one is pending. */
  flush(): void;
}

export function throttle<T>(report: (value: T) => void, intervalMs = 200): Throttled<T> {
  let last = 0;
  let pending: { value: T } | undefined;
  const fn = ((value: T) => {
    const now = Date.now();
    if (now - last >= intervalMs) {
      last = now;
      pending = undefined;
      report(value);
    } else {
      pending = { value };
    }
  }) as Throttled<T>;
  fn.flush = () => {
    if (pending) report(pending.value);
    pending = undefined;
  };
  return fn;
}

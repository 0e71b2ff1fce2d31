import type { Clock } from '../../../shared/clock.js';

/**
 * Virtual time for concurrent waits: every sleep is a timer on a virtual timeline, and when the
 * program has nothing else to do (a macrotask later), time jumps to the earliest timer. Unlike
 * fakeClock, concurrent sleeps overlap as they would in real time. Nothing really sleeps.
 */
export function virtualClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  const timers: { at: number; seq: number; resolve: () => void }[] = [];
  let seq = 0;
  let scheduled = false;
  const tick = () => {
    scheduled = false;
    timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const next = timers.shift();
    if (!next) return;
    now = Math.max(now, next.at);
    next.resolve();
    schedule();
  };
  const schedule = () => {
    if (scheduled || timers.length === 0) return;
    scheduled = true;
    setImmediate(tick);
  };
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      return new Promise((resolve) => {
        timers.push({ at: now + Math.max(0, ms), seq: seq++, resolve });
        schedule();
      });
    },
  };
}

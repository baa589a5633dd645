/** A millisecond clock tests move by hand: health, cooldowns and budgets read it instead of Date.now. */
export function fakeClock(start = 1_000_000) {
  let now = start;
  return {
    clock: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(at: number) {
      now = at;
    },
  };
}

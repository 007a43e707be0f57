// Measures how long the event loop was blocked while something ran: a 10 ms timer that notes the longest
// gap between its ticks. Used with generous bounds only (a loaded 2-core machine adds its own lag).
export interface LagProbe {
  /** Stops the probe and returns the longest observed delay beyond the timer's interval, in ms. */
  stop(): number
}

export function probeEventLoopLag(intervalMs = 10): LagProbe {
  let last = performance.now()
  let worst = 0
  const timer = setInterval(() => {
    const now = performance.now()
    worst = Math.max(worst, now - last - intervalMs)
    last = now
  }, intervalMs)
  return {
    stop() {
      clearInterval(timer)
      worst = Math.max(worst, performance.now() - last - intervalMs)
      return worst
    },
  }
}

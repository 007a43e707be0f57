// Measures how long the event loop was blocked while something ran: a 10 ms timer that notes the most CPU
// time this thread spent between two of its ticks. CPU time, not wall time: a loop held by one long
// synchronous turn (a parse, a regex) spends it on a CPU, whereas a process merely waiting for a CPU on a
// loaded machine does not, so the bounds hold however busy the machine is (no timed assertions).
export interface LagProbe {
  /** Stops the probe and returns the most CPU time, in ms, the thread spent between two ticks. */
  stop(): number
}

const cpuMs = (): number => {
  const { user, system } = process.threadCpuUsage()
  return (user + system) / 1000
}

export function probeEventLoopLag(intervalMs = 10): LagProbe {
  let last = cpuMs()
  let worst = 0
  const timer = setInterval(() => {
    const now = cpuMs()
    worst = Math.max(worst, now - last)
    last = now
  }, intervalMs)
  return {
    stop() {
      clearInterval(timer)
      worst = Math.max(worst, cpuMs() - last)
      return worst
    },
  }
}

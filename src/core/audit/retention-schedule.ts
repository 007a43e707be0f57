// The gateway's retention job: runs core.runRetention every retention.interval in the primary process. A
// failed run (store down, a chain that does not verify) is logged and tried again at the next interval.
import type { Logger } from 'pino'
import type { Principal } from '../identity/principal.ts'
import type { ControlPlanePort } from '../ports/control-plane-port.ts'

export function scheduleRetention(
  core: ControlPlanePort,
  system: Principal,
  intervalMs: number,
  logger: Logger,
): { stop(): void } {
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    core
      .runRetention(system)
      .then((result) => {
        if (result.audit.pruned > 0 || result.recordings.sessions > 0) logger.info(result, 'retention ran')
      })
      .catch((error: unknown) => logger.error({ err: error }, 'retention run failed; retrying next interval'))
      .finally(() => {
        running = false
      })
  }, intervalMs)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}

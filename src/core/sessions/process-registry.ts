// Every gateway process registers in the store and beats every BEAT_INTERVAL_MS. A process that stops beating
// (SIGKILL, a crashed worker, a lost machine) leaves sessions marked live and statements held for approval that
// nobody will ever answer: the next process to start, or any survivor, ends those sessions, expires those holds
// and ends the session-bound grants they leave without a session. A peer on the same machine (same hostname and
// PID namespace) is known dead at once when its pid is gone; any other once this process has seen no new beat
// from it for DEAD_AFTER_MS.
import { readlinkSync } from 'node:fs'
import { hostname } from 'node:os'
import { performance } from 'node:perf_hooks'
import type { GatewayProcess } from '../../store/store.ts'
import { hashEntry } from '../audit/hash-chain.ts'
import type { CoreContext } from '../core-context.ts'
import { endGrant } from '../grants/end-grant.ts'

const BEAT_INTERVAL_MS = 2_000
const DEAD_AFTER_MS = 15_000
const MAX_SESSIONS_PER_PASS = 10_000
/** Session ends issued together (bounded: the store's write queue refuses past its own bound). */
const END_CHUNK = 200

export interface ProcessRegistry {
  /** Resolves once this process is registered and dead peers found at start are recovered. */
  ready: Promise<void>
  /** Stops beating and removes this process from the registry (a clean shutdown). */
  stop(): Promise<void>
}

export function startProcessRegistry(
  ctx: CoreContext,
  options: { intervalMs?: number; deadAfterMs?: number } = {},
): ProcessRegistry {
  const intervalMs = options.intervalMs ?? BEAT_INTERVAL_MS
  const deadAfterMs = options.deadAfterMs ?? DEAD_AFTER_MS
  const startedAt = ctx.clock.now()
  const self: GatewayProcess = {
    id: ctx.processId,
    host: machineId(),
    pid: process.pid,
    startedAt,
    heartbeatAt: startedAt,
  }
  let running: Promise<void> | undefined
  // Silence is measured on this process's monotonic clock, from when a peer's beat last changed: comparing
  // its wall-clock stamp with ours would make machines whose clocks disagree by 15 s end each other's sessions.
  const beats = new Map<string, { heartbeatAt: number; changedAt: number }>()
  const tick = async () => {
    await ctx.store.processes.beat({ ...self, heartbeatAt: ctx.clock.now() })
    const at = performance.now()
    const peers = (await ctx.store.processes.list()).filter((p) => p.id !== self.id)
    for (const id of beats.keys()) if (!peers.some((p) => p.id === id)) beats.delete(id)
    for (const peer of peers) {
      const seen = beats.get(peer.id)
      if (seen === undefined || seen.heartbeatAt !== peer.heartbeatAt.getTime())
        beats.set(peer.id, { heartbeatAt: peer.heartbeatAt.getTime(), changedAt: at })
      const silentMs = at - (beats.get(peer.id)?.changedAt ?? at)
      if (silentMs > deadAfterMs || (peer.host === self.host && !isRunning(peer.pid))) {
        await recoverDeadProcess(ctx, peer)
        beats.delete(peer.id)
      }
    }
  }
  // A store that stays down fails every tick: say so when it starts and when it ends, not every 2 s.
  let failing = false
  const run = () => {
    running ??= tick()
      .then(
        () => {
          if (failing) ctx.logger.info('gateway process registry works again')
          failing = false
        },
        (error: unknown) => {
          if (!failing) ctx.logger.error({ err: error }, 'gateway process registry tick failed')
          failing = true
        },
      )
      .finally(() => {
        running = undefined
      })
    return running
  }
  const ready = run()
  const timer = setInterval(run, intervalMs)
  timer.unref()
  return {
    ready,
    async stop() {
      clearInterval(timer)
      await running
      await ctx.store.processes.remove(self.id).catch(() => {})
    },
  }
}

/** Ends what a dead process left open. Each step is idempotent, so two survivors doing it at once agree. */
export async function recoverDeadProcess(ctx: CoreContext, dead: GatewayProcess): Promise<void> {
  const now = ctx.clock.now()
  const reason = 'the gateway process serving it stopped without closing it (crash or kill)'
  const sessions = await ctx.store.sessions.list({
    processId: dead.id,
    live: true,
    limit: MAX_SESSIONS_PER_PASS,
  })
  // A chunk at a time, all of a chunk at once: the PostgreSQL store writes them in one transaction (its
  // audit group commit) instead of one per session while every client of the dead process logs in again.
  for (let i = 0; i < sessions.length; i += END_CHUNK) {
    await Promise.all(
      sessions.slice(i, i + END_CHUNK).map((session) =>
        ctx.store.sessions.end(session.id, now, reason, {
          event: {
            type: 'session.ended',
            actor: 'system',
            subject: session.id,
            data: { reason, process: dead.id, grant: session.grantId },
          },
          hashEntry,
        }),
      ),
    )
  }
  const ended = new Set(sessions.map((s) => s.id))
  for (const approval of await ctx.store.approvals.list({ status: ['pending'] })) {
    if (approval.subject !== 'action' || !approval.sessionId || !ended.has(approval.sessionId)) continue
    if (!(await ctx.store.approvals.decide(approval.id, 'expired', now))) continue
    await ctx.audit({
      type: 'approval.expired',
      actor: 'system',
      subject: approval.id,
      data: { grant: approval.grantId, reason: 'the session holding it ended with its gateway process' },
    })
    await ctx.store.publish('approval_changed', approval.id)
    ctx.notify('approval.expired', { ...approval, status: 'expired' })
  }
  for (const grantId of new Set(sessions.map((s) => s.grantId))) {
    const grant = await ctx.store.grants.get(grantId)
    if (!grant?.sessionBound || grant.status !== 'active') continue
    const live = await ctx.store.sessions.list({ grantId, live: true, limit: 1 })
    if (live.length === 0)
      await endGrant(ctx, grant, 'session-closed', 'system', 'its gateway process stopped')
  }
  // Only once all of the above is done: a failure part-way leaves the process to be recovered again.
  if (sessions.length < MAX_SESSIONS_PER_PASS) await ctx.store.processes.remove(dead.id)
  ctx.logger.warn(
    { process: dead.id, host: dead.host, pid: dead.pid, sessions: sessions.length },
    'recovered the sessions of a gateway process that stopped without closing them',
  )
}

/** Signal 0 tests for existence: ESRCH means gone; EPERM means it exists under another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Where pids mean the same processes: the host name and this PID namespace (containers differ). */
function machineId(): string {
  let namespace = ''
  try {
    namespace = readlinkSync('/proc/self/ns/pid')
  } catch {
    // Not Linux: the host name alone.
  }
  return `${hostname()}/${namespace}`
}

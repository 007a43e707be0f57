// Several gateway processes for one configuration: the primary forks workers that listen on the same resource
// ports (SO_REUSEPORT: Linux spreads new connections over the listeners) and open the same store, so the data
// path uses every core. Only the primary bootstraps keys and serves the control-plane API. Processes talk over
// the fork IPC channel (Peers) for what the store does not carry: embedded-store change events and
// PostgreSQL CancelRequests that reach another process than the session's.
import { type ChildProcess, fork } from 'node:child_process'
import { availableParallelism } from 'node:os'
import type { Logger } from 'pino'
import type { ProcessPeers } from './protocols/protocol-server.ts'
import type { Store } from './store/store.ts'

/** Set in a worker's environment to its index (1..N-1); the primary is 0. */
export const WORKER_ENV = 'TASKGATE_WORKER'
/** The resource ports the primary bound (JSON `{ resourceId: port }`), for workers to share. */
export const WORKER_PORTS_ENV = 'TASKGATE_WORKER_PORTS'

const RESTART_DELAY_MS = 1_000
// Generous: a worker loads every engine and opens the store, which took over 30 s on a loaded 2-core box.
const READY_TIMEOUT_MS = 120_000
const STOP_TIMEOUT_MS = 10_000

export function workerCount(setting: 'auto' | number): number {
  return setting === 'auto' ? availableParallelism() : setting
}

/** This process's role, from the environment the primary set. */
export function workerRole(): { index: number; ports: Record<string, number> } | undefined {
  const index = process.env[WORKER_ENV]
  if (index === undefined) return undefined
  return { index: Number(index), ports: JSON.parse(process.env[WORKER_PORTS_ENV] ?? '{}') }
}

interface PeerMessage {
  taskgate: 'peer'
  topic: string
  payload: unknown
}
const isPeerMessage = (m: unknown): m is PeerMessage => (m as PeerMessage)?.taskgate === 'peer'

class Topics {
  readonly #handlers = new Map<string, Array<(payload: unknown) => void>>()
  on(topic: string, handler: (payload: unknown) => void): void {
    this.#handlers.set(topic, [...(this.#handlers.get(topic) ?? []), handler])
  }
  deliver(message: PeerMessage): void {
    for (const handler of this.#handlers.get(message.topic) ?? []) handler(message.payload)
  }
}

/** A worker's peers: everything goes through the primary, which passes it on to the other workers. */
export function workerPeers(): ProcessPeers {
  const topics = new Topics()
  process.on('message', (m) => {
    if (isPeerMessage(m)) topics.deliver(m)
  })
  return {
    broadcast(topic, payload) {
      if (process.connected) process.send?.({ taskgate: 'peer', topic, payload } satisfies PeerMessage)
    },
    on: (topic, handler) => topics.on(topic, handler),
  }
}

/**
 * The primary's side: forks workers running `script` with `args`, waits until each listens, restarts one that
 * dies unexpectedly, and passes each worker's messages on to the others. Workers exit when the primary's IPC
 * channel closes, so none outlives it.
 */
export class PrimaryPeers implements ProcessPeers {
  readonly #topics = new Topics()
  readonly #children = new Map<number, ChildProcess>()
  #stopping = false

  broadcast(topic: string, payload: unknown): void {
    const message: PeerMessage = { taskgate: 'peer', topic, payload }
    for (const child of this.#children.values()) if (child.connected) child.send(message)
  }

  on(topic: string, handler: (payload: unknown) => void): void {
    this.#topics.on(topic, handler)
  }

  /** Workers running now (a restarting one is not counted). */
  get workerCount(): number {
    return [...this.#children.values()].filter((child) => child.connected).length
  }

  async start(options: {
    count: number
    script: string
    args: string[]
    ports: Record<string, number>
    logger: Logger
  }): Promise<void> {
    try {
      await Promise.all(Array.from({ length: options.count - 1 }, (_, i) => this.#spawn(i + 1, options)))
    } catch (error) {
      await this.stop()
      throw error
    }
  }

  #spawn(
    index: number,
    options: { script: string; args: string[]; ports: Record<string, number>; logger: Logger },
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = fork(options.script, options.args, {
        env: {
          ...process.env,
          [WORKER_ENV]: String(index),
          [WORKER_PORTS_ENV]: JSON.stringify(options.ports),
        },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      this.#children.set(index, child)
      const timer = setTimeout(() => reject(new Error(`worker ${index} did not start`)), READY_TIMEOUT_MS)
      child.on('message', (m) => {
        if ((m as { taskgate?: string })?.taskgate === 'ready') {
          clearTimeout(timer)
          resolve()
        } else if (isPeerMessage(m)) {
          this.#topics.deliver(m)
          for (const [other, peer] of this.#children) if (other !== index && peer.connected) peer.send(m)
        }
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        this.#children.delete(index)
        if (this.#stopping) return
        reject(new Error(`worker ${index} exited (${signal ?? code}) while starting`))
        options.logger.error({ worker: index, code, signal }, 'gateway worker exited; restarting it')
        setTimeout(() => {
          if (this.#stopping) return
          this.#spawn(index, options).catch((error: unknown) =>
            options.logger.error({ worker: index, err: String(error) }, 'could not restart a gateway worker'),
          )
        }, RESTART_DELAY_MS).unref()
      })
    })
  }

  /** SIGTERM to every worker (each drains, then closes its sessions), SIGKILL after `drainMs` plus
   * STOP_TIMEOUT_MS. */
  async stop(drainMs = 0): Promise<void> {
    this.#stopping = true
    await Promise.all(
      [...this.#children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve()
            const kill = setTimeout(() => child.kill('SIGKILL'), drainMs + STOP_TIMEOUT_MS)
            child.once('exit', () => {
              clearTimeout(kill)
              resolve()
            })
            child.kill('SIGTERM')
          }),
      ),
    )
  }
}

/** Tells the primary this worker listens. */
export function announceWorkerReady(): void {
  process.send?.({ taskgate: 'ready' })
}

/**
 * The embedded store's change events stay in its process (there is no LISTEN/NOTIFY in SQLite): carry them to
 * the other gateway processes, so an approval given through the API wakes a statement held in a worker at once.
 */
export function shareStoreEvents(store: Store, peers: ProcessPeers): Store {
  peers.on('store.event', (payload) => {
    const { channel, id } = payload as { channel: Parameters<Store['publish']>[0]; id: string }
    void store.publish(channel, id)
  })
  return {
    ...store,
    async publish(channel, id) {
      await store.publish(channel, id)
      peers.broadcast('store.event', { channel, id })
    },
  }
}

/** How long a scrape waits for the workers' metrics; a worker that has not answered is left out of it. */
const METRICS_WAIT_MS = 1_000
let metricsRequests = 0

/** A worker's side of a scrape: answers the primary's request with this process's metrics. */
export function answerMetricsRequests(peers: ProcessPeers, snapshot: () => Promise<unknown>): void {
  peers.on('metrics.request', (payload) => {
    const { id } = payload as { id: number }
    snapshot().then(
      (metrics) => peers.broadcast('metrics.reply', { id, metrics }),
      () => {},
    )
  })
}

/**
 * The primary's side of a scrape: /metrics sums every process (sessions and statements are counted where
 * they run). Resolves with the workers' snapshots that arrived within METRICS_WAIT_MS.
 */
export function requestWorkerMetrics(peers: PrimaryPeers): Promise<unknown[]> {
  const expected = peers.workerCount
  if (expected === 0) return Promise.resolve([])
  const id = ++metricsRequests
  const replies: unknown[] = []
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      waiting.delete(id)
      resolve(replies)
    }
    const timer = setTimeout(done, METRICS_WAIT_MS)
    waiting.set(id, (metrics) => {
      replies.push(metrics)
      if (replies.length === expected) done()
    })
    if (!listening.has(peers)) {
      listening.add(peers)
      peers.on('metrics.reply', (payload) => {
        const { id: replyTo, metrics } = payload as { id: number; metrics: unknown }
        waiting.get(replyTo)?.(metrics)
      })
    }
    peers.broadcast('metrics.request', { id })
  })
}

const waiting = new Map<number, (metrics: unknown) => void>()
const listening = new WeakSet<PrimaryPeers>()

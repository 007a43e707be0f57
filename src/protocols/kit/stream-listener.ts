// The listener every stream protocol shares: accepts TCP clients and hands each raw socket to the protocol
// before any byte is read (MySQL's server speaks first and upgrades to TLS inside its own handshake;
// PostgreSQL's client speaks first), keeps one connection's failure from reaching the process, and on close
// stops accepting, drops connections still logging in and shuts live sessions down with the protocol's own
// goodbye.
import net from 'node:net'
import type { Logger } from 'pino'
import { admitFromBalancer, isTrusted, trustedSources } from './proxy-protocol.ts'

/** A live session as the listener sees it: told to shut down at close, awaited until done. */
export interface LiveSession {
  shutdown(): void
  readonly done: Promise<unknown>
}

/** Connections the kernel holds for us before accept(). Node's default, 511, overflows when a replica dies
 * and its clients all reconnect through the balancer to a survivor whose event loop is busy: past it, the
 * kernel drops their SYNs, the balancer's connect times out and the client's login fails with no error from
 * the gateway ("Connection terminated unexpectedly"). The kernel caps it at net.core.somaxconn. */
export const LISTEN_BACKLOG = 4096

export interface StreamListenerOptions {
  listen: {
    host: string
    port: number
    /** Connections from these balancers start with a PROXY protocol header naming the client. */
    proxyProtocol?: { trustedSources: readonly string[] } | undefined
  }
  reusePort?: boolean
  logger: Logger
  /** Serves one connection from accept to close; `live` registers the session once it relays. */
  serve(raw: net.Socket, live: (session: LiveSession) => void): Promise<void>
}

export class StreamListener {
  readonly #o: StreamListenerOptions
  readonly #handshakes = new Set<net.Socket>()
  readonly #live = new Set<LiveSession>()
  readonly #server: net.Server
  readonly #balancers: net.BlockList | undefined

  constructor(options: StreamListenerOptions) {
    this.#o = options
    const proxied = options.listen.proxyProtocol
    this.#balancers = proxied ? trustedSources(proxied.trustedSources) : undefined
    // A larger socket buffer than the 16 KiB default: a large result streams without a pause/drain round
    // trip per upstream chunk (backpressure still applies past it).
    this.#server = net.createServer({ highWaterMark: 256 * 1024 }, (raw) => void this.#handle(raw))
  }

  async listen(): Promise<{ host: string; port: number }> {
    const { host, port } = this.#o.listen
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(
        { host, port, backlog: LISTEN_BACKLOG, reusePort: this.#o.reusePort ?? false },
        () => {
          this.#server.off('error', reject)
          resolve()
        },
      )
    })
    return { host, port: (this.#server.address() as net.AddressInfo).port }
  }

  /** Stops accepting; resolves once every live session has ended on its own (main.ts bounds the wait). */
  async drain(): Promise<void> {
    if (this.#server.listening) this.#server.close()
    await Promise.allSettled([...this.#live].map((session) => session.done))
  }

  async close(): Promise<void> {
    const closed = this.#server.listening
      ? new Promise<void>((resolve) => this.#server.close(() => resolve()))
      : Promise.resolve()
    for (const raw of this.#handshakes) raw.destroy()
    const done = [...this.#live].map((session) => {
      session.shutdown()
      return session.done
    })
    await Promise.allSettled(done)
    await closed
  }

  async #handle(raw: net.Socket): Promise<void> {
    raw.setNoDelay(true)
    raw.on('error', (error) => this.#o.logger.debug({ err: error.message }, 'client socket error'))
    this.#handshakes.add(raw)
    try {
      if (this.#balancers && isTrusted(this.#balancers, raw.remoteAddress))
        if (!(await admitFromBalancer(raw, this.#o.logger))) return
      await this.#o.serve(raw, (session) => {
        this.#handshakes.delete(raw)
        this.#live.add(session)
        void session.done.finally(() => this.#live.delete(session))
      })
    } catch (error) {
      // Last line of defence: one connection's failure never reaches the process.
      this.#o.logger.error({ err: String(error) }, 'connection failed')
      raw.destroy()
    } finally {
      this.#handshakes.delete(raw)
    }
  }
}

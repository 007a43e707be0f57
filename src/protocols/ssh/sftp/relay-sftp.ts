// The sftp subsystem (sftp, and scp, which speaks SFTP since OpenSSH 9): each request the client sends is
// decided per path and direction before it reaches the target's SFTP server (`sftp-read:LOGIN:PATH`,
// `sftp-write:LOGIN:PATH`), the path first resolved on the target (symlinks, `..`, relative to the home
// directory) so a link cannot lead a granted path elsewhere. Opened files are recorded with size and SHA-256
// when they close (transfer.ts); a denial answers PERMISSION_DENIED and is recorded. Requests run
// concurrently, each answered when the target answers: large and parallel transfers flow at the pace of
// ssh2's window, never waiting on each other.
import { posix } from 'node:path'
import type { Client, SFTPWrapper } from 'ssh2'
import type { Action } from '../../../core/index.ts'
import { classifySftp } from '../command/index.ts'
import type { SessionContext } from '../session-context.ts'
import { Transfer } from './transfer.ts'
import { type SftpClient, upstreamSftp } from './upstream-sftp.ts'

const STATUS = { OK: 0, EOF: 1, NO_SUCH_FILE: 2, PERMISSION_DENIED: 3, FAILURE: 4, OP_UNSUPPORTED: 8 }
const OPEN_WRITE = 0x02 | 0x04 | 0x08 | 0x10
const OPEN_READ = 0x01
/** Most files one session holds open at once (OpenSSH's own server allows 512 handles). */
const MAX_OPEN_FILES = 512

/** Attaches to `sftp` at once (ssh2 answers OP_UNSUPPORTED to any request nobody listens for yet), each
 * request then waiting for the session and the target's SFTP server. */
export function runSftp(session: Promise<SessionContext | undefined>, sftp: SFTPWrapper): Promise<void> {
  const ready = session.then(async (s) => {
    if (!s) throw new Error('the session could not be opened')
    return { session: s, upstream: await upstreamSftp((await s.upstream()) as Client) }
  })
  const relay = new SftpRelay(ready, sftp)
  relay.attach()
  // The client is done sending (EOF): answer what is still in flight, then close the channel, as OpenSSH's
  // server does (the client waits for that close).
  sftp.once(
    'end',
    () =>
      void relay.idle().then(() => {
        exitStatus(sftp, 0)
        sftp.end()
      }),
  )
  return ready.then(
    async ({ session: s, upstream }) => {
      const untrack = s.track({ terminate: () => sftp.end() })
      await new Promise((resolve) => sftp.once('close', resolve))
      untrack()
      relay.closeAll()
      upstream.end()
    },
    (error: unknown) => {
      void session.then((s) => s?.logger.warn({ err: String(error) }, 'the target refused sftp'))
      sftp.end()
    },
  )
}

/** The subsystem's exit status, as sshd sends when its sftp-server exits (scp reports a failure without
 * one); ssh2's SFTP object has no `exit()`, its channel protocol does. */
function exitStatus(sftp: SFTPWrapper, status: number): void {
  const channel = sftp as unknown as {
    _protocol: { exitStatus(id: number, status: number): void }
    outgoing: { id: number; state: string }
  }
  if (channel.outgoing.state === 'open') channel._protocol.exitStatus(channel.outgoing.id, status)
}

interface Ready {
  session: SessionContext
  upstream: SftpClient
}

class SftpRelay {
  readonly #files = new Map<string, { transfer: Transfer; action: Action; seq: number | undefined }>()
  #home: Promise<string> | undefined
  #inFlight = 0
  readonly #idle: Array<() => void> = []
  readonly #ready: Promise<Ready>
  readonly client: SFTPWrapper
  /** Set once ready: requests run only after (#run waits). */
  session!: SessionContext
  upstream!: SftpClient

  constructor(ready: Promise<Ready>, client: SFTPWrapper) {
    this.client = client
    this.#ready = ready.then((r) => {
      this.session = r.session
      this.upstream = r.upstream
      return r
    })
  }

  attach(): void {
    const c = this.client
    // this.upstream is read when a request runs, after #run awaited the target.
    // The login's home ('.', what every client asks first, and sftp cannot start without) is answered;
    // any other path is decided as a read (it tells whether a path exists and where a link leads, like stat).
    const named = (id: number, p: string) => c.name(id, [{ filename: p, longname: p, attrs: {} as never }])
    c.on('REALPATH', (id, path) => {
      if (path === '' || path === '.') return this.#run(id, () => this.#homeDir().then((p) => named(id, p)))
      this.#decided(id, 'read', path, (p) => this.upstream.realpath(p).then((real) => named(id, real)))
    })
    c.on('OPEN', (id, path, flags, attrs) => this.#open(id, path, flags, attrs))
    c.on('READ', (id, handle, offset, length) =>
      this.#run(id, async () => {
        const data = await this.upstream.read(handle, offset, length)
        if (data === undefined) return c.status(id, STATUS.EOF)
        this.#files.get(handle.toString('hex'))?.transfer.add(offset, data)
        c.data(id, data)
      }),
    )
    c.on('WRITE', (id, handle, offset, received) => {
      // ssh2 hands a view of its packet buffer: copied before the request waits.
      const data = Buffer.from(received)
      this.#run(id, async () => {
        this.#files.get(handle.toString('hex'))?.transfer.add(offset, data)
        await this.upstream.write(handle, offset, data)
        c.status(id, STATUS.OK)
      })
    })
    c.on('CLOSE', (id, handle) =>
      this.#run(id, () => this.#close(handle).then(() => c.status(id, STATUS.OK))),
    )
    c.on('FSTAT', (id, handle) =>
      this.#run(id, () => this.upstream.fstat(handle).then((a) => c.attrs(id, a))),
    )
    c.on('FSETSTAT', (id, handle, attrs) =>
      this.#gated(id, 'write', this.#pathOf(handle), () => this.upstream.fsetstat(handle, attrs)),
    )
    c.on('OPENDIR', (id, path) =>
      this.#decided(id, 'read', path, (p) => this.upstream.opendir(p).then((h) => c.handle(id, h))),
    )
    c.on('READDIR', (id, handle) =>
      this.#run(id, async () => {
        const names = await this.upstream.readdir(handle)
        if (names === undefined) return c.status(id, STATUS.EOF)
        c.name(id, names)
      }),
    )
    c.on('STAT', (id, path) =>
      this.#decided(id, 'read', path, (p) => this.upstream.stat(p).then((a) => c.attrs(id, a))),
    )
    c.on('LSTAT', (id, path) =>
      this.#decided(id, 'read', path, (p) => this.upstream.lstat(p).then((a) => c.attrs(id, a)), false),
    )
    c.on('READLINK', (id, path) =>
      this.#decided(
        id,
        'read',
        path,
        (p) =>
          this.upstream
            .readlink(p)
            .then((t) => c.name(id, [{ filename: t, longname: t, attrs: {} as never }])),
        false,
      ),
    )
    c.on('REMOVE', (id, path) =>
      this.#decided(
        id,
        'write',
        path,
        (p) => this.upstream.unlink(p).then(() => c.status(id, STATUS.OK)),
        false,
      ),
    )
    c.on('RMDIR', (id, path) =>
      this.#decided(
        id,
        'write',
        path,
        (p) => this.upstream.rmdir(p).then(() => c.status(id, STATUS.OK)),
        false,
      ),
    )
    c.on('MKDIR', (id, path, attrs) =>
      this.#decided(id, 'write', path, (p) =>
        this.upstream.mkdir(p, attrs).then(() => c.status(id, STATUS.OK)),
      ),
    )
    c.on('SETSTAT', (id, path, attrs) =>
      this.#decided(id, 'write', path, (p) =>
        this.upstream.setstat(p, attrs).then(() => c.status(id, STATUS.OK)),
      ),
    )
    c.on('RENAME', (id, from, to) =>
      this.#run(id, async () => {
        const f = await this.#check(id, 'write', from, false)
        const t = f && (await this.#check(id, 'write', to, false))
        if (!f || !t) return
        await this.upstream.rename(f, t)
        this.#note('rename', `${f} -> ${t}`)
        c.status(id, STATUS.OK)
      }),
    )
    c.on('SYMLINK', (id, target, link) =>
      this.#run(id, async () => {
        if (target === '') return c.status(id, STATUS.NO_SUCH_FILE, 'the link target is empty')
        const l = await this.#check(id, 'write', link, false)
        // A relative target is relative to the directory holding the link (symlink(2)), not to the home; the
        // link is made with the absolute path decided, so a later rename of the link cannot change what it
        // points to.
        const t = l && (await this.#check(id, 'read', posix.resolve(posix.dirname(l), target), true))
        if (!l || !t) return
        await this.upstream.symlink(t, l)
        this.#note('symlink', `${l} -> ${t}`)
        c.status(id, STATUS.OK)
      }),
    )
    c.on('EXTENDED', (id) => c.status(id, STATUS.OP_UNSUPPORTED))
  }

  /** Records every file still open (the session ended mid-transfer). */
  closeAll(): void {
    for (const handle of [...this.#files.keys()])
      this.#finish(handle, 'the session ended before the file was closed')
  }

  #open(id: number, path: string, flags: number, attrs: unknown): void {
    const direction = flags & OPEN_WRITE ? 'write' : 'read'
    this.#run(id, async () => {
      if (this.#files.size >= MAX_OPEN_FILES)
        return this.client.status(id, STATUS.FAILURE, 'too many open files')
      const resolved = await this.#real(path, true)
      // A file opened for reading and writing needs both.
      if (
        (flags & OPEN_READ) !== 0 &&
        direction === 'write' &&
        !(await this.#allowed(id, 'read', resolved, false))
      )
        return
      const started = await this.#allowed(id, direction, resolved, true)
      if (!started) return
      const handle = await this.upstream.open(resolved, flags, attrs)
      this.#files.set(handle.toString('hex'), { transfer: new Transfer(resolved, direction), ...started })
      this.client.handle(id, handle)
    })
  }

  async #close(handle: Buffer): Promise<void> {
    await this.upstream.close(handle)
    this.#finish(handle.toString('hex'))
  }

  #finish(key: string, error?: string): void {
    const file = this.#files.get(key)
    if (!file) return
    this.#files.delete(key)
    const { transfer } = file
    this.session.gate({}).recordOutcome(file.seq, file.action, {
      durationMs: Math.round(performance.now() - transfer.startedAt),
      rowCount: transfer.bytes,
      result: { columns: ['bytes', 'sha256'], rows: [[transfer.bytes, transfer.digest()]], truncated: false },
      ...(error ? { error } : {}),
    })
  }

  /** Records a change that took two decided paths. */
  #note(kind: string, text: string): void {
    this.session.core.recordAction(this.session.handle, {
      kind: `sftp-${kind}`,
      text: `sftp ${kind} ${text}`,
      outcome: 'allow',
    })
  }

  #pathOf(handle: Buffer): string {
    return this.#files.get(handle.toString('hex'))?.transfer.path ?? '(unknown handle)'
  }

  /** Decides `direction` on `path` (resolved on the target), then runs `then` with the resolved path. */
  #decided(
    id: number,
    direction: 'read' | 'write',
    path: string,
    then: (resolved: string) => Promise<unknown>,
    followLinks = true,
  ): void {
    this.#run(id, async () => {
      const resolved = await this.#real(path, followLinks)
      // Reads of metadata (stat, listings) are decided but not recorded when allowed: `ls` would flood the
      // recording; changes are recorded with their outcome.
      const allowed = await this.#allowed(id, direction, resolved, direction === 'write')
      if (!allowed) return
      const startedAt = performance.now()
      await then(resolved).then(
        () => allowed.seq !== undefined && this.#outcome(allowed, startedAt),
        (error: Error) => {
          if (allowed.seq !== undefined) this.#outcome(allowed, startedAt, error.message)
          throw error
        },
      )
    })
  }

  #outcome(allowed: { action: Action; seq: number | undefined }, startedAt: number, error?: string): void {
    this.session.gate({}).recordOutcome(allowed.seq, allowed.action, {
      durationMs: Math.round(performance.now() - startedAt),
      ...(error ? { error } : {}),
    })
  }

  /** The resolved path when `direction` on it is allowed; else undefined (the client has its answer). */
  async #check(
    id: number,
    direction: 'read' | 'write',
    path: string,
    followLinks: boolean,
  ): Promise<string | undefined> {
    const resolved = await this.#real(path, followLinks)
    return (await this.#allowed(id, direction, resolved, false)) ? resolved : undefined
  }

  #gated(id: number, direction: 'read' | 'write', path: string, run: () => Promise<unknown>): void {
    this.#run(id, async () => {
      if (!(await this.#allowed(id, direction, path, false))) return
      await run()
      this.client.status(id, STATUS.OK)
    })
  }

  /** Decides through the gate; a refusal answers PERMISSION_DENIED (recorded by the gate). */
  async #allowed(
    id: number,
    direction: 'read' | 'write',
    path: string,
    /** Record the allowed action as started (its outcome follows). */
    start: boolean,
  ): Promise<{ action: Action; seq: number | undefined } | undefined> {
    const action = classifySftp(direction, path, this.session.login)
    const answer = await this.session.gate({}).decide({ action, write: direction === 'write', start })
    if (answer.decision.outcome === 'allow') return { action, seq: answer.seq }
    const reason =
      answer.decision.outcome === 'deny'
        ? answer.decision.reason
        : `${answer.decision.reason} (the approval was not given)`
    this.client.status(id, STATUS.PERMISSION_DENIED, `taskgate: ${reason.replace(/^taskgate:\s*/, '')}`)
    return undefined
  }

  /** The path as the target resolves it: the file itself (symlinks followed when asked), else its directory
   * resolved plus its name (a file about to be created), else the path made absolute lexically. */
  async #real(path: string, followLinks: boolean): Promise<string> {
    const absolute = this.#resolve(path, await this.#homeDir())
    if (followLinks) {
      const real = await this.upstream.realpath(absolute).catch(() => undefined)
      if (real) return real
    }
    const dir = await this.upstream.realpath(posix.dirname(absolute)).catch(() => posix.dirname(absolute))
    return posix.join(dir, posix.basename(absolute))
  }

  #homeDir(): Promise<string> {
    this.#home ??= this.upstream.realpath('.').catch(() => '/')
    return this.#home
  }

  #resolve(path: string, home = '/'): string {
    return posix.resolve(home, path || '.')
  }

  /** Runs one request; any error answers it with the target's status (or FAILURE), never crashes. */
  #run(id: number, work: () => Promise<unknown>): void {
    this.#inFlight++
    this.#ready
      .then(work)
      .catch((error: { code?: unknown; message?: string }) => {
        const code = typeof error.code === 'number' ? error.code : STATUS.FAILURE
        try {
          this.client.status(id, code, error.message ?? 'failure')
        } catch {
          // The client is gone.
        }
      })
      .finally(() => {
        if (--this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve()
      })
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }
}

// Which columns, in which formats, the rows the upstream sends belong to. A simple Query's results are
// described by the RowDescription before them. In the extended protocol, DataRows answer an Execute of a
// portal that may never have been described on this round trip (a prepared statement described once, then
// only bound and executed): its columns are the statement's (Describe S, formats zero) with the result
// format codes of the portal's Bind (protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY). The tracker follows the
// client messages the relay forwards, and the responses, in order, as PendingResponses does; a portal is
// known from its BindComplete on (a Bind that fails or is skipped binds nothing), until its transaction ends.
import { parseExecute, parseTarget } from './wire/client-messages.ts'
import { DROP, PAUSE, type Verdict } from './wire/frame-scanner.ts'
import { formatOf, parseBindResultFormats, type RowField } from './wire/row-messages.ts'

const MAX_PORTALS = 10_000

type Expected =
  | { kind: 'query' }
  | { kind: 'describe'; target: 'S' | 'P'; name: string }
  | { kind: 'execute'; portal: string }
  | { kind: 'bind'; portal: string; statement: string; formats: number[] }
  | { kind: 'sync'; duringCopyOf?: Expected }

interface Portal {
  statement: string
  formats: number[]
  /** From a Describe of the portal: with its real format codes. */
  fields?: readonly RowField[] | null
}

export class ResultTracker {
  /** Described statements' columns; null when the statement returns no rows (NoData). */
  readonly #statements = new Map<string, readonly RowField[] | null>()
  readonly #portals = new Map<string, Portal>()
  #queue: Expected[] = []
  /** The last Execute or Query, until a message other than Flush or Sync follows (see ClientFrames). */
  #mayCopy: Expected | undefined
  #head = 0
  /** The server skips messages until a Sync not yet sent (see PendingResponses). */
  #skipping = false

  /** A client message as it was forwarded upstream. */
  /** Feeds the client frames that go upstream (a replacement's frames instead of the one it replaced). */
  forwarded(verdict: Verdict, type: number, frame: Buffer): Verdict {
    if (verdict === PAUSE || verdict === DROP) return verdict
    if (typeof verdict === 'number') this.client(type, frame)
    else
      for (let at = 0; at + 5 <= verdict.length; at += 1 + verdict.readInt32BE(at + 1))
        this.client(verdict[at]!, verdict.subarray(at, at + 1 + verdict.readInt32BE(at + 1)))
    return verdict
  }

  client(type: number, frame: Buffer): void {
    if (type === 0x53) {
      this.#push(this.#mayCopy ? { kind: 'sync', duringCopyOf: this.#mayCopy } : { kind: 'sync' })
      return
    }
    if (type !== 0x48) this.#mayCopy = undefined
    switch (type) {
      case 0x51: {
        // Query
        const query: Expected = { kind: 'query' }
        this.#push(query)
        this.#mayCopy = query
        return
      }
      case 0x50: {
        // Parse: a statement of that name is replaced (the unnamed one at every Parse).
        this.#statements.delete(frame.toString('utf8', 5, Math.max(5, frame.indexOf(0, 5))))
        return
      }
      case 0x42: {
        const bind = parseBindResultFormats(frame)
        this.#push({ kind: 'bind', portal: bind.portal, statement: bind.statement, formats: bind.formats })
        return
      }
      case 0x44: {
        const { target, name } = parseTarget(frame)
        this.#push({ kind: 'describe', target, name })
        return
      }
      case 0x45: {
        const execute: Expected = { kind: 'execute', portal: frame[5] === 0 ? '' : parseExecute(frame) }
        this.#push(execute)
        this.#mayCopy = execute
        return
      }
      case 0x43: {
        const { target, name } = parseTarget(frame)
        if (target === 'S') this.#statements.delete(name)
        else this.#portals.delete(name)
        return
      }
      default:
    }
  }

  /** What the response at hand answers. */
  get answering(): Expected['kind'] | undefined {
    return this.#queue[this.#head]?.kind
  }

  /** A RowDescription: the columns of a simple-query result (returned), or of a described statement/portal. */
  rowDescription(fields: readonly RowField[]): readonly RowField[] | undefined {
    const head = this.#queue[this.#head]
    if (head?.kind !== 'describe') return fields
    this.#shift()
    if (head.target === 'S') this.#statements.set(head.name, fields)
    else {
      const portal = this.#portals.get(head.name)
      if (portal) portal.fields = fields
    }
    return undefined
  }

  /** NoData answers a Describe. */
  noData(): void {
    const head = this.#queue[this.#head]
    if (head?.kind !== 'describe') return
    this.#shift()
    if (head.target === 'S') this.#statements.set(head.name, null)
    else {
      const portal = this.#portals.get(head.name)
      if (portal) portal.fields = null
    }
  }

  /** The columns of the Execute being answered, with the formats its portal's Bind asked for. */
  executeColumns(): readonly RowField[] | undefined {
    const head = this.#queue[this.#head]
    if (head?.kind !== 'execute') return undefined
    const portal = this.#portals.get(head.portal)
    if (portal === undefined) return undefined
    if (portal.fields) return portal.fields
    const fields = this.#statements.get(portal.statement)
    return fields?.map((f, i) => ({ ...f, format: formatOf(portal.formats, i) }))
  }

  /** CopyInResponse: the server now ignores the Syncs sent since the COPY's Execute or Query. */
  copyIn(): void {
    const head = this.#queue[this.#head]
    if (head === undefined) return
    this.#queue = this.#queue.filter(
      (item, i) => i < this.#head || item.kind !== 'sync' || item.duringCopyOf !== head,
    )
  }

  /** BindComplete: the portal exists. */
  bindComplete(): void {
    const head = this.#queue[this.#head]
    if (head?.kind !== 'bind') return
    this.#shift()
    // Bounded like the relay's own portals: a forgotten portal's rows are masked as undescribed ones.
    if (this.#portals.size >= MAX_PORTALS) this.#portals.clear()
    this.#portals.set(head.portal, { statement: head.statement, formats: head.formats })
  }

  /** The transaction ended, or SQL may have opened or closed cursors of these names. */
  forgetPortals(): void {
    // At every ReadyForQuery: the usual one or two portals are deleted, since clear() allocates a new table.
    if (this.#portals.size > 4) this.#portals.clear()
    else for (const portal of this.#portals.keys()) this.#portals.delete(portal)
  }

  /** CommandComplete, EmptyQueryResponse or PortalSuspended: an Execute is answered. */
  executeDone(): void {
    if (this.#queue[this.#head]?.kind === 'execute') this.#shift()
  }

  /** After an error in an extended-protocol message the server skips every message up to the next Sync,
   * Queries included; a simple Query's own error (or a Sync's) just ends it. */
  error(): void {
    const first = this.#queue[this.#head]
    if (first === undefined || first.kind === 'query' || first.kind === 'sync') return
    for (let head: Expected | undefined = first; head?.kind !== 'sync'; head = this.#queue[this.#head]) {
      if (head === undefined) {
        this.#skipping = true
        return
      }
      this.#shift()
    }
  }

  /** ReadyForQuery: the Sync or Query it answers, and anything skipped before it, are done. */
  ready(): void {
    for (let head = this.#shift(); head !== undefined; head = this.#shift())
      if (head.kind === 'sync' || head.kind === 'query') return
  }

  #push(item: Expected): void {
    if (this.#skipping) {
      if (item.kind !== 'sync') return
      this.#skipping = false
    }
    this.#queue.push(item)
  }

  #shift(): Expected | undefined {
    const item = this.#queue[this.#head]
    if (item === undefined) return undefined
    this.#head++
    if (this.#head === this.#queue.length) {
      this.#queue = []
      this.#head = 0
    } else if (this.#head > 1024) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    return item
  }
}

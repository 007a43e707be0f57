// The session's prepared statements and portals as the server holds them. PostgreSQL changes them only
// when a message succeeds, so this does too: a Parse, Bind or Close changes the confirmed state at its
// ParseComplete, BindComplete or CloseComplete; a SQL PREPARE when its query has succeeded. A message that
// fails, or that the server skips after an earlier error until Sync, changes nothing here either.
//
// Messages are decided when they are sent, before the server has answered the ones before them. Within one
// segment (up to a Sync) that is safe: a message runs only if every earlier message of its segment
// succeeded, so it sees their effects (`#segment`). Across a Sync it is not: a later segment runs whether
// or not the earlier one failed. A name an earlier, unanswered segment may have set is therefore
// uncertain, and a message that depends on it waits for the server's answer.
import type { Action, Decision } from '../../core/index.ts'
import type { StatementInfo } from './pending-responses.ts'

/** A prepared statement, as the gateway decided it. */
export interface PreparedStatement extends StatementInfo {
  action: Action
  /** Each Bind needs this approval first (an approve-first Parse, or rows estimated at each Bind). */
  held?: Extract<Decision, { outcome: 'approve-first' }>
  /** Made by SQL PREPARE: each Bind is decided like `EXECUTE name`. */
  decideAtBind?: true
  /** A query that would have prepared it failed part-way: whether it exists, and as what, is unknown. */
  unknown?: true
}

/** The answer for a name whose state depends on a server answer still to come. */
export const UNCERTAIN: unique symbol = Symbol('uncertain')

/** Caps the names the gateway remembers; past it a client's statements are refused, never forgotten. */
export const MAX_PREPARED_STATEMENTS = 10_000

export class StatementNamespace {
  readonly #statements = new Map<string, PreparedStatement>()
  readonly #portals = new Map<string, StatementInfo | undefined>()
  /** The current segment's Parses and Closes: what the server holds if each of them succeeds (null: closed). */
  readonly #segment = new Map<string, PreparedStatement | null>()
  /** Names earlier segments or queries may set, by how many such are still unanswered. */
  readonly #inFlight = new Map<string, number>()
  /** The current segment's Binds and portal Closes, as #segment for statements. */
  readonly #segmentPortals = new Map<string, StatementInfo | undefined | null>()
  /** Syncs and Queries sent and not yet answered: any of them may end the transaction, and its portals. */
  #unanswered = 0

  /** The statement `name` is for a message sent now: UNCERTAIN while an unanswered earlier segment or
   * query may set it; undefined when the server has none of that name. */
  statement(name: string): PreparedStatement | undefined | typeof UNCERTAIN {
    const here = this.#segment.get(name)
    if (here !== undefined) return here ?? undefined
    if (this.#inFlight.has(name)) return UNCERTAIN
    return this.#statements.get(name)
  }

  /** Whether the client may prepare one more statement (the bound on what is remembered). */
  get full(): boolean {
    const named = (map: Map<string, unknown>) => map.size - (map.has('') ? 1 : 0)
    return named(this.#statements) + named(this.#segment) + named(this.#inFlight) >= MAX_PREPARED_STATEMENTS
  }

  /** A Parse was sent (send time). */
  parsing(name: string, statement: PreparedStatement): void {
    this.#segment.set(name, statement)
  }

  /** A Close of a statement was sent (send time). */
  closing(name: string): void {
    this.#segment.set(name, null)
  }

  /** A Bind was sent (send time). */
  binding(portal: string, statement: StatementInfo | undefined): void {
    this.#segmentPortals.set(portal, statement)
  }

  /** A Close of a portal was sent (send time). */
  closingPortal(portal: string): void {
    this.#segmentPortals.set(portal, null)
  }

  /** What an Execute sent now runs: UNCERTAIN while an unanswered Sync or Query may have ended the
   * transaction (or a SQL cursor replaced the portal); undefined for a portal the server does not have. */
  portal(portal: string): StatementInfo | undefined | typeof UNCERTAIN {
    const here = this.#segmentPortals.get(portal)
    if (here !== undefined) return here ?? undefined
    if (this.#segmentPortals.has(portal)) return undefined
    if (this.#unanswered > 0) return UNCERTAIN
    return this.#portals.get(portal)
  }

  /** A Sync was sent: the segment's Parses stay uncertain until its ReadyForQuery. */
  endSegment(): string[] {
    const parsed: string[] = []
    for (const [name, statement] of this.#segment) if (statement !== null) parsed.push(name)
    empty(this.#segment)
    empty(this.#segmentPortals)
    this.#hold(parsed)
    this.#unanswered++
    return parsed
  }

  /** A Query was sent, PREPAREing these names: they are uncertain until it is answered. A name the
   * segment set is the query's to decide now, and so is every portal (COMMIT, CLOSE, DECLARE). */
  querySent(prepared: readonly string[]): void {
    for (const name of prepared) this.#segment.delete(name)
    empty(this.#segmentPortals)
    this.#hold(prepared)
    this.#unanswered++
  }

  /** The Sync or Query that may have set these names is answered (or was skipped): once per Sync or Query. */
  settled(names: readonly string[]): void {
    this.#unanswered = Math.max(0, this.#unanswered - 1)
    for (const name of names) {
      const n = this.#inFlight.get(name) ?? 0
      if (n <= 1) this.#inFlight.delete(name)
      else this.#inFlight.set(name, n - 1)
    }
  }

  /** ParseComplete, or a SQL PREPARE that succeeded. */
  prepared(name: string, statement: PreparedStatement): void {
    this.#statements.set(name, statement)
  }

  /** CloseComplete of a statement, or a SQL DEALLOCATE (`*`: all) that succeeded. */
  deallocated(name: string): void {
    if (name === '*') this.#statements.clear()
    else this.#statements.delete(name)
  }

  /** A query that would have prepared `name` failed: it may or may not exist. */
  unknown(name: string, statement: StatementInfo): void {
    this.#statements.set(name, {
      ...statement,
      unknown: true,
      action: { protocol: 'postgres', kind: 'Unknown', needs: [], traits: [], text: statement.text },
    })
  }

  /** An unnamed Parse that failed: the server dropped the unnamed statement before parsing. */
  unnamedDropped(): void {
    this.#statements.delete('')
  }

  /** BindComplete. */
  bound(portal: string, statement: StatementInfo | undefined): void {
    // Past the bound the portals are forgotten: an Execute of one is then recorded without its text, and
    // its rows masked as undescribed ones (server-frames.ts), never attributed to another statement.
    if (this.#portals.size >= MAX_PREPARED_STATEMENTS) this.#portals.clear()
    this.#portals.set(portal, statement)
  }

  /** CloseComplete of a portal. */
  portalClosed(portal: string): void {
    this.#portals.delete(portal)
  }

  /** The transaction ended, or SQL may have opened or closed cursors: no portal is known any more. */
  forgetPortals(): void {
    // At every ReadyForQuery (see empty()).
    empty(this.#portals)
  }

  #hold(names: readonly string[]): void {
    for (const name of names) this.#inFlight.set(name, (this.#inFlight.get(name) ?? 0) + 1)
  }
}

/** Empties a map that is emptied once or more per transaction and usually holds no name or one or two: an
 * empty one is left alone and a small one's names are deleted, since clear() allocates a new table each time
 * (a delete only marks its entry; the table is rebuilt once deleted entries fill it, every few transactions).
 * Measured with bench/pg-session-micro.ts, extended mode: clear() whenever non-empty was 12–23 % slower. */
function empty(map: Map<string, unknown>): void {
  if (map.size > 4) map.clear()
  else if (map.size > 0) for (const key of map.keys()) map.delete(key)
}

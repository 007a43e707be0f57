// The Store interface: named for domain operations, one contract suite for every backend
// (test/contract/store.contract.ts). Backends: embedded (node:sqlite) and postgres.
import type { Approval } from '../core/approvals/approval.ts'
import type { AuditEntry, AuditEventInput } from '../core/audit/events.ts'
import type { ChainHead } from '../core/audit/verify-audit-log.ts'
import type { Credential } from '../core/grants/credential.ts'
import type { Grant, GrantEndReason, GrantStatus } from '../core/grants/grant.ts'
import type { ServiceAccount } from '../core/identity/service-account.ts'
import type { ActionRecord, SessionRecord, SessionSummary } from '../core/recording/events.ts'

export interface GrantFilter {
  principalId?: string
  resourceId?: string
  status?: Grant['status'][]
  limit?: number
}

export interface GrantStore {
  insert(grant: Grant): Promise<void>
  get(id: string): Promise<Grant | undefined>
  list(filter: GrantFilter): Promise<Grant[]>
  /** Pending -> active; returns false (and changes nothing) unless the grant was pending. */
  activate(id: string, at: Date, expiresAt: Date, decidedBy: string, reason: string): Promise<boolean>
  /** Pending -> denied; false unless it was pending. */
  deny(id: string, at: Date, decidedBy: string, reason: string): Promise<boolean>
  /** Pending|active -> ended; false unless it was pending or active. */
  end(id: string, reason: GrantEndReason, at: Date): Promise<boolean>
  /** Active grants whose expiresAt <= now (for the expiry sweep). */
  listExpired(now: Date): Promise<Grant[]>
  /** Of the given ids, those no longer active (ended, denied, or past expiry at `now`). */
  findNotLive(ids: string[], now: Date): Promise<string[]>
  /** How many grants are in each status (an active one past expiry counts as active until it is swept). */
  countByStatus(): Promise<Record<GrantStatus, number>>
}

export interface CredentialStore {
  /**
   * Stores a credential (TG_ALREADY_EXISTS if its login name is taken on the resource). With `keepNewest`,
   * then deletes the grant's credentials numbered `keepNewest` or more below it, and returns their login names.
   */
  insert(credential: Credential, keepNewest?: number): Promise<string[]>
  /** The grant's credentials, oldest (lowest seq) first. */
  listForGrant(grantId: string): Promise<Credential[]>
  /** The credential for a login name on a resource, whatever its state (callers check the grant). */
  findByUsername(resourceId: string, username: string): Promise<Credential | undefined>
  deleteForGrant(grantId: string): Promise<void>
  /** Deletes the credentials whose expiresAt is before `before`; returns how many went. */
  deleteExpiredBefore(before: Date): Promise<number>
}

export interface ServiceAccountStore {
  insert(account: ServiceAccount): Promise<void>
  get(name: string): Promise<ServiceAccount | undefined>
  list(): Promise<ServiceAccount[]>
  disable(name: string, at: Date): Promise<boolean>
  /** Replace the key hash (rotation). */
  setKeyHash(name: string, keyHash: string): Promise<boolean>
  /** Marks the account deleted (and disabled, if it was not): `list` leaves it out, `get` still returns it
   * with `deletedAt`, so its name is never reused by another identity that would inherit its history.
   * False unless it existed and was not deleted yet. */
  delete(name: string, at: Date): Promise<boolean>
}

export interface ApprovalFilter {
  status?: Approval['status'][]
  grantId?: string
  limit?: number
}

export interface ApprovalStore {
  insert(approval: Approval): Promise<void>
  get(id: string): Promise<Approval | undefined>
  list(filter: ApprovalFilter): Promise<Approval[]>
  /** pending -> approved|denied|expired|cancelled; false unless it was pending (first decision wins). */
  decide(
    id: string,
    status: 'approved' | 'denied' | 'expired' | 'cancelled',
    at: Date,
    by?: { id: string; name: string; reason?: string },
  ): Promise<boolean>
  /**
   * Marks an approved action approval used by one execution whose `digest` (statement text and parameters)
   * equals the digest it was granted for; false if the digests differ, it was already used or is not
   * approved. One guarded write, so the binding and the single use hold across gateways sharing the store.
   */
  consume(id: string, digest: string, at: Date): Promise<boolean>
}

export interface AuditFilter {
  afterSeq?: number
  beforeSeq?: number
  type?: string
  actor?: string
  subject?: string
  /** Entries whose type, actor, subject or data contain this text (case-insensitive for ASCII). */
  text?: string
  /** Entries written at or after this instant. */
  since?: Date
  /** Entries written before this instant. */
  until?: Date
  limit?: number
  /** Newest first when true. */
  descending?: boolean
}

export type HashEntry = (entry: Omit<AuditEntry, 'hash'>) => string

/** An audit entry to append in the same transaction as the write it records. */
export interface AuditWrite {
  event: AuditEventInput
  hashEntry: HashEntry
}

/** The head of the entries audit retention removed, signed (core/audit/audit-checkpoint.ts). */
export interface AuditCheckpoint {
  seq: number
  hash: string
  /** When the pruning ran. */
  at: Date
  /** HMAC-SHA256 over seq, hash and at with retention.checkpointKey. */
  mac: string
}

export interface AuditStore {
  /** Appends atomically: reads the chain head, computes the hash with `hashEntry`, writes. Serialized
   * across processes sharing the store. */
  append(event: AuditEventInput, at: Date, hashEntry: HashEntry): Promise<AuditEntry>
  list(filter: AuditFilter): Promise<AuditEntry[]>
  /** The chain head as the last append left it (undefined before the first): written in the same
   * transaction as each entry, so a removal of the newest entries shows as a mismatch. */
  head(): Promise<ChainHead | undefined>
  /** The checkpoint of the last pruning, undefined before any. */
  checkpoint(): Promise<AuditCheckpoint | undefined>
  /** Deletes the entries up to checkpoint.seq and stores the checkpoint, in one transaction; returns how
   * many entries went. */
  prune(checkpoint: AuditCheckpoint): Promise<number>
}

/** Where one audit sink (SIEM export) stands. */
export interface AuditSinkCursor {
  sinkId: string
  /** seq of the last entry delivered (or dead-lettered); the next batch starts after it. */
  seq: number
  updatedAt: Date
  /** Entries this sink gave up on (sum over its dead-letter rows). */
  deadLettered: number
}

/** A batch one sink gave up on: its entries stay in the audit log, this says which and why. */
export interface AuditDeadLetter {
  sinkId: string
  fromSeq: number
  toSeq: number
  attempts: number
  reason: string
  at: Date
}

export interface AuditSinkStore {
  /** Every sink that delivered at least once. */
  list(): Promise<AuditSinkCursor[]>
  /** The sink's last delivered seq, 0 before its first delivery. */
  cursor(sinkId: string): Promise<number>
  /** Moves the cursor forward only: a slower exporter sharing the store never moves it back. */
  advance(sinkId: string, seq: number, at: Date): Promise<void>
  /** Records the dead letter and moves the cursor past it in one transaction. */
  deadLetter(letter: AuditDeadLetter): Promise<void>
  /** The sink's dead letters, newest first. */
  listDeadLetters(sinkId: string, limit: number): Promise<AuditDeadLetter[]>
}

export interface SessionFilter {
  /** Sessions served by this gateway process (registry id). */
  processId?: string
  principalId?: string
  resourceId?: string
  grantId?: string
  since?: Date
  until?: Date
  deniedOnly?: boolean
  /** Sessions whose grant's task contains this text (ASCII case ignored). */
  task?: string
  /** true: only sessions not ended yet; false: only ended ones. */
  live?: boolean
  limit?: number
}

/** Live sessions allowed at once (limits.sessionsPerGrant, limits.sessionsPerPrincipal). */
export interface SessionLimits {
  perGrant: number
  perPrincipal: number
}

export interface SessionStore {
  /** With `audit`, its entry (session.started) is appended in the same transaction: a session is never
   * stored without it, nor the entry without the session. With `limits`, refused (TG_SESSION_LIMIT, nothing
   * written) when the store already holds that many live sessions of the grant or of the principal: counted
   * in the same transaction and serialized with every other limited insert, so processes sharing the store
   * cannot each admit the cap. */
  insert(session: SessionRecord, audit?: AuditWrite, limits?: SessionLimits): Promise<void>
  /** Ends a live session (the first end wins); with `audit`, appended in the same transaction when this call
   * ended it (a second end records nothing). */
  end(id: string, at: Date, reason: string, audit?: AuditWrite): Promise<void>
  get(id: string): Promise<SessionRecord | undefined>
  /** Newest first, each with its grant's task and its action counts. */
  list(filter: SessionFilter): Promise<SessionSummary[]>
  /** Batched: the recorder calls this with many actions at once. */
  appendActions(actions: ActionRecord[]): Promise<void>
  listActions(sessionId: string, options?: { afterSeq?: number; limit?: number }): Promise<ActionRecord[]>
}

/** A legal hold on one session: its recording outlives every retention policy until released. */
export interface LegalHold {
  sessionId: string
  reason: string
  heldBy: string
  heldAt: Date
}

/** Which ended sessions' recordings (their recorded actions) retention removes; held sessions never. */
export interface RecordingPrunePolicy {
  resourceIds: readonly string[]
  /** Sessions that ended before this instant. */
  endedBefore?: Date
  /** Keep the newest sessions whose recordings total at most this many bytes (statement and result text). */
  maxBytes?: number
}

export interface RecordingStore {
  /** Places (or replaces) the hold; false when there is no such session. */
  hold(hold: LegalHold): Promise<boolean>
  /** Releases the hold; false when the session had none. */
  release(sessionId: string): Promise<boolean>
  getHold(sessionId: string): Promise<LegalHold | undefined>
  /** Removes the recorded actions of the sessions the policy selects; returns how many sessions lost them. */
  prune(policy: RecordingPrunePolicy): Promise<number>
}

/** One gateway process as the registry knows it. */
export interface GatewayProcess {
  id: string
  host: string
  pid: number
  startedAt: Date
  heartbeatAt: Date
}

export interface ProcessStore {
  /** Registers the process, or refreshes its heartbeatAt. */
  beat(process: GatewayProcess): Promise<void>
  list(): Promise<GatewayProcess[]>
  remove(id: string): Promise<void>
}

/** What a shared-state entry is: console sessions and the sign-ins in flight, kept in the store so every
 * gateway behind a load balancer sees the same ones (a sign-in started on one may finish on another), and
 * people the IdP vouched for by e-mail (Slack approvers are found by it), and why each audit sink last
 * failed (written by the replica exporting it, read by all). */
export type SharedStateKind =
  | 'console_session'
  | 'oidc_login'
  | 'saml_login'
  | 'saml_request'
  | 'person'
  | 'audit_sink_error'

/** Short-lived entries with an expiry, per kind and key. Expired entries count as absent everywhere. */
export interface SharedStateStore {
  /** Stores `value` under the key unless a live entry holds it; false then (nothing changes). */
  put(kind: SharedStateKind, key: string, value: string, expiresAt: Date, now: Date): Promise<boolean>
  get(kind: SharedStateKind, key: string, now: Date): Promise<string | undefined>
  /** Reads and deletes in one statement: of two gateways taking the same key, exactly one gets it. */
  take(kind: SharedStateKind, key: string, now: Date): Promise<string | undefined>
  /** Replaces the value of a live entry, keeping its expiry; false when there is none. */
  replace(kind: SharedStateKind, key: string, value: string, now: Date): Promise<boolean>
  delete(kind: SharedStateKind, key: string): Promise<void>
  /** Live entries of the kind (to bound them). */
  count(kind: SharedStateKind, now: Date): Promise<number>
  /** Deletes every expired entry; returns how many went. */
  sweep(now: Date): Promise<number>
}

/** Work only one gateway sharing the store may do at a time (SIEM export per sink): a named lease with a
 * holder and an expiry, judged by the store's own clock so hosts with skewed clocks still agree. */
export interface LeaseStore {
  /** Takes the lease for `holder`, or renews it if `holder` has it, for `ttlMs`; false while another
   * holder's lease is unexpired. */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>
  /** Gives the lease up if `holder` has it, so another gateway takes over at once. */
  release(name: string, holder: string): Promise<void>
  /** Who holds the lease now, if anyone. */
  holder(name: string): Promise<string | undefined>
}

export interface Store {
  readonly backend: 'embedded' | 'postgres'
  grants: GrantStore
  credentials: CredentialStore
  serviceAccounts: ServiceAccountStore
  approvals: ApprovalStore
  audit: AuditStore
  auditSinks: AuditSinkStore
  sessions: SessionStore
  recordings: RecordingStore
  processes: ProcessStore
  sharedState: SharedStateStore
  leases: LeaseStore
  /** Cross-process notifications (PostgreSQL LISTEN/NOTIFY; in-process for the embedded store). */
  subscribe(channel: StoreChannel, listener: (payload: string) => void): () => void
  publish(channel: StoreChannel, payload: string): Promise<void>
  /** A round trip to the store (for readiness): how many of this gateway's migrations it lacks (0 once
   * migrated); TG_STORE_UNAVAILABLE when it cannot be reached. */
  health(): Promise<{ migrationsPending: number }>
  close(): Promise<void>
}

/** `login_failed`: a failed login, counted by every gateway sharing the store (limits.failedLogins). */
export type StoreChannel = 'grant_changed' | 'approval_changed' | 'session_end_requested' | 'login_failed'

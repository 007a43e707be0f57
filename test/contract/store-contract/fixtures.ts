// Builders for the store contract: every record gets a random id so cases never collide.
import { randomBytes } from 'node:crypto'
import type { Approval } from '../../../src/core/approvals/approval.ts'
import type { Credential } from '../../../src/core/grants/credential.ts'
import type { Grant } from '../../../src/core/grants/grant.ts'
import type { ServiceAccount } from '../../../src/core/identity/service-account.ts'
import type { ActionRecord, SessionRecord } from '../../../src/core/recording/events.ts'
import type { Store } from '../../../src/store/store.ts'

export interface StoreUnderTest extends AsyncDisposable {
  store: Store
  /** Another instance on the same storage, as a second gateway process would open it. */
  openAnother(): Promise<Store>
}

export interface StoreContractOptions {
  name: string
  /** A store on fresh, empty storage; disposing it closes every instance and removes the storage. */
  open(): Promise<StoreUnderTest>
  /** Whether publish reaches subscribers of another instance on the same storage. */
  eventsAcrossInstances: boolean
}

export const id = (prefix: string): string => `${prefix}-${randomBytes(6).toString('hex')}`

/** A fixed base instant with a non-zero millisecond part, so a backend truncating to seconds fails. */
export const T0 = new Date('2026-03-01T10:00:00.123Z')
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000)

export function makeGrant(overrides: Partial<Grant> = {}): Grant {
  return {
    id: id('grant'),
    principalId: id('sa:agent'),
    principalName: 'agent',
    groups: ['agents', 'billing'],
    resourceId: id('db'),
    scope: [
      { verb: 'select', object: 'billing.invoices' },
      { verb: 'select', object: 'billing.*' },
    ],
    task: 'reconcile invoices for ticket 42',
    status: 'pending',
    sessionBound: false,
    ttlSeconds: 900,
    requestedAt: T0,
    ...overrides,
  }
}

export function makeCredential(overrides: Partial<Credential> = {}): Credential {
  return {
    grantId: id('grant'),
    resourceId: id('db'),
    username: id('tg'),
    seq: 1,
    secretHash: randomBytes(32).toString('hex'),
    verifiers: {
      postgres: {
        scramSha256: `SCRAM-SHA-256$4096:${randomBytes(16).toString('base64')}$${randomBytes(32).toString('base64')}:${randomBytes(32).toString('base64')}`,
      },
      mysql: {
        mysqlNativePassword: randomBytes(20).toString('hex'),
        cachingSha2Password: randomBytes(32).toString('hex'),
      },
    },
    expiresAt: at(900),
    createdAt: T0,
    ...overrides,
  }
}

export function makeServiceAccount(overrides: Partial<ServiceAccount> = {}): ServiceAccount {
  return {
    name: id('bot'),
    groups: ['agents'],
    kind: 'agent',
    keyHash: randomBytes(32).toString('hex'),
    createdAt: T0,
    createdBy: 'local:admin',
    ...overrides,
  }
}

export function makeApproval(overrides: Partial<Approval> = {}): Approval {
  return {
    id: id('approval'),
    subject: 'grant',
    grantId: id('grant'),
    requesterId: 'sa:agent',
    requesterName: 'agent',
    resourceId: id('db'),
    task: 'reconcile invoices',
    summary: 'select:billing.invoices',
    rule: 'approval:billing-write',
    reason: 'writes to billing need a human',
    approverGroups: ['dba'],
    status: 'pending',
    createdAt: T0,
    expiresAt: at(600),
    ...overrides,
  }
}

export function makeSession(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: id('session'),
    grantId: id('grant'),
    principalId: id('sa:agent'),
    principalName: 'agent',
    resourceId: id('db'),
    protocol: 'postgres',
    client: '127.0.0.1:50123 psql',
    startedAt: T0,
    ...overrides,
  }
}

export function makeAction(
  sessionId: string,
  seq: number,
  overrides: Partial<ActionRecord> = {},
): ActionRecord {
  return {
    sessionId,
    seq,
    at: at(seq),
    kind: 'SelectStmt',
    text: `SELECT ${seq}`,
    outcome: 'allow',
    ...overrides,
  }
}

/** The chain's hash as core computes it: the contract exercises the real function. */
export { hashEntry } from '../../../src/core/audit/hash-chain.ts'

export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown
  try {
    await promise
  } catch (error) {
    caught = error
  }
  if ((caught as { code?: unknown } | undefined)?.code !== code) {
    throw new Error(
      `expected a TaskgateError ${code}, got ${caught === undefined ? 'no error' : String(caught)}`,
    )
  }
}

export function assertDatesAreDates(value: object): void {
  for (const [key, v] of Object.entries(value)) {
    if (/At$/.test(key) && !(v instanceof Date)) throw new Error(`${key} is not a Date: ${String(v)}`)
  }
}

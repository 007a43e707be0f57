// What a grant request carries in and what its requester gets back (request-grant.ts).

import type { GrantEvidence } from '../advice/grant-evidence.ts'
import type { Grant } from './grant.ts'
import type { IssuedCredential } from './issued-credential.ts'
import type { Scope } from './scope.ts'

export interface GrantRequestInput {
  resourceId: string
  /** `verb:object` entries, as a list or the CLI's comma-separated text; absent when `plan` says it. */
  scope?: Scope | string
  /** The statements the task will run, in the resource's own language: the grant asks for the least scope
   * that covers them (instead of `scope`), the approver sees them, and statements run outside them are
   * flagged on the grant. */
  plan?: string
  task: string
  /** `15m`, `2h`, ...; defaults to the configured default TTL; over the policy's maxTtl is denied. */
  ttl?: string
  sessionBound?: boolean
}

/** What a requester gets back. `credential` is present only when the grant became active in this call. */
export interface GrantRequestResult {
  grant: Grant
  credential?: IssuedCredential
  /** For denials: what this principal may ask for on that resource. */
  allowed?: Scope
  /** For a grant granted or waiting for an approver: the principal's similar earlier tasks, what they used,
   * what this request asks beyond that, and anomaly signals (the approver sees the same). */
  evidence?: GrantEvidence
}

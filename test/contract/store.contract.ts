// One contract for every Store backend (HOUSE-STYLE §5.9): run it with runStoreContract({ name, open, ... })
// from a `store-<backend>.test.ts`. Orders the interface leaves open are fixed here: grants, approvals
// and sessions list newest first; audit oldest first unless `descending`; actions by seq.
import { describe } from 'node:test'
import { approvalCases } from './store-contract/approvals.ts'
import { auditCases } from './store-contract/audit.ts'
import { auditHeadCases } from './store-contract/audit-head.ts'
import { auditPruneCases } from './store-contract/audit-prune.ts'
import { auditSinkCases } from './store-contract/audit-sinks.ts'
import { eventCases } from './store-contract/events.ts'
import { finalActionCases } from './store-contract/final-actions.ts'
import type { StoreContractOptions } from './store-contract/fixtures.ts'
import { credentialCases, grantCases, serviceAccountCases } from './store-contract/grants.ts'
import { recordingCases } from './store-contract/recordings.ts'
import { sessionCases } from './store-contract/sessions.ts'
import { sharedStateCases } from './store-contract/shared-state.ts'

export type { StoreContractOptions, StoreUnderTest } from './store-contract/fixtures.ts'

export function runStoreContract(options: StoreContractOptions): void {
  describe(`Store contract: ${options.name}`, () => {
    grantCases(options)
    credentialCases(options)
    serviceAccountCases(options)
    approvalCases(options)
    auditCases(options)
    auditHeadCases(options)
    auditSinkCases(options)
    auditPruneCases(options)
    sessionCases(options)
    finalActionCases(options)
    recordingCases(options)
    eventCases(options)
    sharedStateCases(options)
  })
}

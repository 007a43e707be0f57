import type { Grant } from './grant.ts'

/** Hooks a protocol registers per resource so grants are also enforced by the target (ephemeral roles). */
export interface GrantProvisioner {
  /** Runs before a grant becomes active; throwing keeps the grant from activating. */
  provision(grant: Grant): Promise<void>
  /** Runs after a grant ends; must be idempotent. */
  deprovision(grant: Grant): Promise<void>
  /** Ids of the grants that hold access on the target now (their ephemeral roles), so a periodic reconcile
   * removes what an end could not (the target was down) and what a failed activation left behind. */
  provisionedGrantIds?(): Promise<string[]>
}

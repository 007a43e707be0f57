// An active grant for policy unit tests: fixed ids and times, the scope and groups the test cares about.
import type { Grant } from '../../src/core/grants/grant.ts'
import { parseScope } from '../../src/core/grants/scope.ts'

export const GRANT_TIME = new Date('2026-01-01T00:00:00Z')

export function activeGrant(scope: string, overrides: Partial<Grant> = {}): Grant {
  return {
    id: 'gtest1',
    principalId: 'sa:bot',
    principalName: 'bot',
    groups: ['agents'],
    resourceId: 'billing-db',
    scope: parseScope(scope),
    task: 'a test task',
    status: 'active',
    sessionBound: false,
    ttlSeconds: 900,
    requestedAt: GRANT_TIME,
    activatedAt: GRANT_TIME,
    expiresAt: new Date(GRANT_TIME.getTime() + 900_000),
    ...overrides,
  }
}

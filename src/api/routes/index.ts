// Every route of the API, one file per resource; the server registers these and the OpenAPI document
// describes exactly these.
import type { AnyRouteSpec } from '../route-spec.ts'
import { adviceRoutes } from './advice.ts'
import { approvalRoutes } from './approvals.ts'
import { auditRoutes } from './audit.ts'
import { authRoutes } from './auth.ts'
import { eventRoutes } from './events.ts'
import { grantRoutes } from './grants.ts'
import { healthRoutes } from './health.ts'
import { legalHoldRoutes } from './legal-holds.ts'
import { maskingRoutes } from './masking.ts'
import { openApiRoute } from './openapi.ts'
import { policyRoutes } from './policy.ts'
import { resourceRoutes } from './resources.ts'
import { retentionRoutes } from './retention.ts'
import { serviceAccountRoutes } from './service-accounts.ts'
import { sessionRecordingRoutes } from './session-recordings.ts'
import { sessionRoutes } from './sessions.ts'

export const apiRoutes: readonly AnyRouteSpec[] = [
  ...healthRoutes,
  ...authRoutes,
  ...resourceRoutes,
  ...maskingRoutes,
  ...grantRoutes,
  ...approvalRoutes,
  ...serviceAccountRoutes,
  ...sessionRoutes,
  ...sessionRecordingRoutes,
  ...legalHoldRoutes,
  ...auditRoutes,
  ...retentionRoutes,
  ...adviceRoutes,
  ...policyRoutes,
  ...eventRoutes,
  openApiRoute(() => apiRoutes),
]

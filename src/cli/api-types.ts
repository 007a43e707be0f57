// The JSON shapes the CLI reads from the API (see GET /v1/openapi.json); kept minimal on purpose.
export interface GrantJson {
  id: string
  principalId: string
  principalName: string
  resourceId: string
  scope: string[]
  task: string
  status: 'pending' | 'active' | 'ended' | 'denied'
  sessionBound: boolean
  ttlSeconds: number
  requestedAt: string
  activatedAt?: string
  expiresAt?: string
  endedAt?: string
  endReason?: string
  decidedBy?: string
  decisionReason?: string
  approvalId?: string
  /** A grant requested from a plan: its statements. */
  plan?: string[]
  /** `GET /v1/grants/{id}` of a grant with a plan: recorded statements not in it. */
  offPlan?: {
    count: number
    statements: Array<{ sessionId: string; seq: number; text: string; outcome: string }>
  }
  /** `GET /v1/grants/{id}` of a grant a budget applies to. */
  budget?: {
    limits: Partial<Record<BudgetMetricJson, { warn?: number; hold?: number; end?: number }>>
    used: Record<BudgetMetricJson, number>
    crossed: string[]
  }
}

/** `GET /v1/grants/{id}/evidence`. */
export interface EvidenceJson {
  similar: Array<{ grantId: string; task: string; requestedAt: string; used: string[]; rows: number }>
  pastUsed: string[]
  widerThanPast: string[]
  rows: number
  signals: Array<{ kind: string; message: string; items?: string[] }>
}

export type BudgetMetricJson = 'rows' | 'bytes' | 'statements' | 'tables'

export interface CredentialJson {
  grantId: string
  resourceId: string
  username: string
  password: string
  expiresAt: string
  /** `kind`: absent from a gateway older than MySQL support, whose resources were all PostgreSQL. */
  connection: {
    kind?: string
    host: string
    port: number
    user: string
    password: string
    database?: string
    certificateAuthority?: string
    hostKey?: string
  }
}

export interface GrantRequestJson {
  grant: GrantJson
  credential?: CredentialJson
  denial?: { reason: string; allowed: string[] }
  /** Granted or pending: the caller's similar earlier tasks and anomaly signals. */
  evidence?: EvidenceJson
}

export interface ApprovalJson {
  id: string
  subject: 'grant' | 'action'
  grantId: string
  requesterName: string
  resourceId: string
  task: string
  summary: string
  reason: string
  status: string
  createdAt: string
  expiresAt: string
  decidedByName?: string
  decisionReason?: string
}

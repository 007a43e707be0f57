// Generated from the OpenAPI document by scripts/generate-web-api-types.ts (npm run build); do not edit.

export const OPERATIONS = {
  getHealth: { method: 'GET', path: '/v1/health' },
  getLiveness: { method: 'GET', path: '/v1/health/live' },
  getReadiness: { method: 'GET', path: '/v1/health/ready' },
  getOidcSettings: { method: 'GET', path: '/v1/auth/oidc' },
  whoami: { method: 'GET', path: '/v1/whoami' },
  listResources: { method: 'GET', path: '/v1/resources' },
  testMasking: { method: 'POST', path: '/v1/resources/{id}/masking-test' },
  requestGrant: { method: 'POST', path: '/v1/grants' },
  listGrants: { method: 'GET', path: '/v1/grants' },
  getGrantEvidence: { method: 'GET', path: '/v1/grants/{id}/evidence' },
  getGrant: { method: 'GET', path: '/v1/grants/{id}' },
  issueCredential: { method: 'POST', path: '/v1/grants/{id}/credential' },
  endGrant: { method: 'POST', path: '/v1/grants/{id}/end' },
  revokeGrant: { method: 'POST', path: '/v1/grants/{id}/revoke' },
  listApprovals: { method: 'GET', path: '/v1/approvals' },
  getApproval: { method: 'GET', path: '/v1/approvals/{id}' },
  approveApproval: { method: 'POST', path: '/v1/approvals/{id}/approve' },
  denyApproval: { method: 'POST', path: '/v1/approvals/{id}/deny' },
  listServiceAccounts: { method: 'GET', path: '/v1/service-accounts' },
  createServiceAccount: { method: 'POST', path: '/v1/service-accounts' },
  rotateServiceAccountKey: { method: 'POST', path: '/v1/service-accounts/{name}/rotate' },
  disableServiceAccount: { method: 'POST', path: '/v1/service-accounts/{name}/disable' },
  deleteServiceAccount: { method: 'DELETE', path: '/v1/service-accounts/{name}' },
  listSessions: { method: 'GET', path: '/v1/sessions' },
  getSession: { method: 'GET', path: '/v1/sessions/{id}' },
  endSession: { method: 'POST', path: '/v1/sessions/{id}/end' },
  listSessionRecordings: { method: 'GET', path: '/v1/sessions/{id}/recordings' },
  getSessionRecording: { method: 'GET', path: '/v1/sessions/{id}/recordings/{name}' },
  holdSession: { method: 'POST', path: '/v1/sessions/{id}/legal-hold' },
  releaseSession: { method: 'DELETE', path: '/v1/sessions/{id}/legal-hold' },
  listAudit: { method: 'GET', path: '/v1/audit' },
  verifyAudit: { method: 'GET', path: '/v1/audit/verify' },
  listAuditSinks: { method: 'GET', path: '/v1/audit/sinks' },
  runRetention: { method: 'POST', path: '/v1/retention/run' },
  adviseScopes: { method: 'GET', path: '/v1/advice/scopes' },
  replayPolicy: { method: 'POST', path: '/v1/policy/replay' },
  streamEvents: { method: 'GET', path: '/v1/events' },
  getOpenApiDocument: { method: 'GET', path: '/v1/openapi.json' },
} as const

export interface Operations {
  getHealth: {
    params: never
    query: never
    body: never
    response: {
      status: "ok"
      version: string
    }
  }
  getLiveness: {
    params: never
    query: never
    body: never
    response: {
      status: "ok"
    }
  }
  getReadiness: {
    params: never
    query: never
    body: never
    response: {
      status: "ready" | "not-ready"
      checks: {
        /** `ok`, or why the store did not answer */
        store: string
        /** `ok`, or how many migrations are not applied */
        migrations: string
        /** `ok`, or the resources not listening yet */
        listeners: string
      }
    }
  }
  getOidcSettings: {
    params: never
    query: never
    body: never
    response: {
      issuer: string
      clientId: string
      audience: string
    }
  }
  whoami: {
    params: never
    query: never
    body: never
    response: {
      id: string
      kind: "person" | "agent" | "service" | "admin"
      name: string
      groups: Array<string>
      via: "oidc" | "saml" | "service-account" | "local" | "slack"
    }
  }
  listResources: {
    params: never
    query: never
    body: never
    response: {
      resources: Array<{
        id: string
        kind: string
        description: string
        /** where clients connect */
        listen: {
          host: string
          port: number
        }
        /** the widest scope the caller may be granted */
        ceiling: Array<string>
        /** requests within these entries are granted at once */
        autoApprove: Array<string>
        /** the gateway's SSH host key for this resource (`ssh-ed25519 AAAA…`), for known_hosts */
        hostKey?: string
      }>
    }
  }
  testMasking: {
    params: {
      id: string
    }
    query: never
    body: {
      /** one query; it runs in a read-only transaction */
      sql: string
      /** mask as for a member of exactly these groups */
      groups: Array<string>
      /** rows returned (default 20) */
      maxRows?: number
    }
    response: {
      columns: Array<{
        name: string
        table?: string
        type: string
        /** `rule:<id>` (masked whole) or `rule:<id>/<detector>` (or `unmaskable-binary`) -> values masked */
        masked: {
          [key: string]: number
        }
      }>
      rows: Array<Array<string | null>>
      rowCount: number
      truncated: boolean
    }
  }
  requestGrant: {
    params: never
    query: never
    body: {
      /** resource id, as `GET /v1/resources` lists it */
      resource: string
      /** `verb:object` entries: a list, or one string separated by commas; absent with `plan` */
      scope?: string | Array<string>
      /** the statements the task will run, in the resource's language: the grant asks for the least scope that covers them; the approver sees them; statements run outside them are flagged on the grant */
      plan?: string
      /** why: the task this access is for */
      task: string
      /** defaults to the configured default TTL; a TTL over the policy maxTtl is denied */
      ttl?: string
      /** end the grant when its first session disconnects */
      sessionBound?: boolean
    }
    response: {
      grant: {
        id: string
        principalId: string
        principalName: string
        groups: Array<string>
        resourceId: string
        /** scope entries, each `verb:object` */
        scope: Array<string>
        task: string
        status: "pending" | "active" | "ended" | "denied"
        sessionBound: boolean
        ttlSeconds: number
        requestedAt: string
        activatedAt?: string
        expiresAt?: string
        endedAt?: string
        endReason?: "expired" | "completed" | "revoked" | "session-closed" | "cancelled"
        decidedBy?: string
        decisionReason?: string
        approvalId?: string
        /** for a grant requested from a plan: its statements, as recorded (secrets redacted) */
        plan?: Array<string>
      }
      /** present when the grant became active in this call */
      credential?: {
        grantId: string
        resourceId: string
        username: string
        /** shown once; works until the grant ends or 20 newer credentials of the grant are issued */
        password: string
        expiresAt: string
        connection: {
          /** the resource kind (postgres, mysql): which client variables apply */
          kind: string
          host: string
          port: number
          user: string
          password: string
          database?: string
          /** PEM of the CA the resource's listener is verified with (Kubernetes; HTTP when the gateway generated its certificate) */
          certificateAuthority?: string
          /** the gateway's SSH host key (`ssh-ed25519 AAAA…`) for known_hosts (SSH) */
          hostKey?: string
        }
      }
      /** present when policy denied the request */
      denial?: {
        reason: string
        /** the scope this principal may request on the resource */
        allowed: Array<string>
      }
      /** granted or pending: the principal's similar earlier tasks and anomaly signals (the approver sees them) */
      evidence?: {
        /** the principal's earlier grants on the resource whose task says the same thing (at most 20) */
        similar: Array<{
          grantId: string
          task: string
          requestedAt: string
          used: Array<string>
          rows: number
        }>
        /** what those grants used of their scopes */
        pastUsed: Array<string>
        /** requested entries covering nothing those grants used */
        widerThanPast: Array<string>
        /** rows this grant's allowed statements returned or changed, as recorded */
        rows: number
        signals: Array<{
          kind: "wider-than-past" | "unseen-object" | "volume" | "off-hours"
          message: string
          items?: Array<string>
        }>
        /** a request from a plan: each planned statement decided under the rules in force, as if approved */
        planCheck?: Array<{
          text: string
          outcome: "allow" | "deny" | "hold"
          rule?: string
          reason?: string
        }>
      }
    }
  }
  listGrants: {
    params: never
    query: {
      status?: string
      resource?: string
      all?: string
      limit?: number
    }
    body: never
    response: {
      grants: Array<{
        id: string
        principalId: string
        principalName: string
        groups: Array<string>
        resourceId: string
        /** scope entries, each `verb:object` */
        scope: Array<string>
        task: string
        status: "pending" | "active" | "ended" | "denied"
        sessionBound: boolean
        ttlSeconds: number
        requestedAt: string
        activatedAt?: string
        expiresAt?: string
        endedAt?: string
        endReason?: "expired" | "completed" | "revoked" | "session-closed" | "cancelled"
        decidedBy?: string
        decisionReason?: string
        approvalId?: string
        /** for a grant requested from a plan: its statements, as recorded (secrets redacted) */
        plan?: Array<string>
      }>
    }
  }
  getGrantEvidence: {
    params: {
      id: string
    }
    query: never
    body: never
    response: {
      /** the principal's earlier grants on the resource whose task says the same thing (at most 20) */
      similar: Array<{
        grantId: string
        task: string
        requestedAt: string
        used: Array<string>
        rows: number
      }>
      /** what those grants used of their scopes */
      pastUsed: Array<string>
      /** requested entries covering nothing those grants used */
      widerThanPast: Array<string>
      /** rows this grant's allowed statements returned or changed, as recorded */
      rows: number
      signals: Array<{
        kind: "wider-than-past" | "unseen-object" | "volume" | "off-hours"
        message: string
        items?: Array<string>
      }>
      /** a request from a plan: each planned statement decided under the rules in force, as if approved */
      planCheck?: Array<{
        text: string
        outcome: "allow" | "deny" | "hold"
        rule?: string
        reason?: string
      }>
    }
  }
  getGrant: {
    params: {
      id: string
    }
    query: never
    body: never
    response: {
      id: string
      principalId: string
      principalName: string
      groups: Array<string>
      resourceId: string
      /** scope entries, each `verb:object` */
      scope: Array<string>
      task: string
      status: "pending" | "active" | "ended" | "denied"
      sessionBound: boolean
      ttlSeconds: number
      requestedAt: string
      activatedAt?: string
      expiresAt?: string
      endedAt?: string
      endReason?: "expired" | "completed" | "revoked" | "session-closed" | "cancelled"
      decidedBy?: string
      decisionReason?: string
      approvalId?: string
      /** for a grant requested from a plan: its statements, as recorded (secrets redacted) */
      plan?: Array<string>
      offPlan?: {
        /** recorded statements not in the plan */
        count: number
        /** at most 50, newest session first */
        statements: Array<{
          sessionId: string
          seq: number
          /** as recorded, at most 200 characters */
          text: string
          outcome: string
        }>
      }
      /** the grant's exfiltration budget (policies[].budget) and what it used in this gateway process */
      budget?: {
        limits: {
          rows?: {
            warn?: number
            hold?: number
            end?: number
          }
          bytes?: {
            warn?: number
            hold?: number
            end?: number
          }
          statements?: {
            warn?: number
            hold?: number
            end?: number
          }
          tables?: {
            warn?: number
            hold?: number
            end?: number
          }
        }
        used: {
          rows: number
          bytes: number
          statements: number
          tables: number
        }
        /** thresholds crossed so far, as metric:level */
        crossed: Array<string>
      }
    }
  }
  issueCredential: {
    params: {
      id: string
    }
    query: never
    body: never
    response: {
      grantId: string
      resourceId: string
      username: string
      /** shown once; works until the grant ends or 20 newer credentials of the grant are issued */
      password: string
      expiresAt: string
      connection: {
        /** the resource kind (postgres, mysql): which client variables apply */
        kind: string
        host: string
        port: number
        user: string
        password: string
        database?: string
        /** PEM of the CA the resource's listener is verified with (Kubernetes; HTTP when the gateway generated its certificate) */
        certificateAuthority?: string
        /** the gateway's SSH host key (`ssh-ed25519 AAAA…`) for known_hosts (SSH) */
        hostKey?: string
      }
    }
  }
  endGrant: {
    params: {
      id: string
    }
    query: never
    body: never
    response: {
      id: string
      principalId: string
      principalName: string
      groups: Array<string>
      resourceId: string
      /** scope entries, each `verb:object` */
      scope: Array<string>
      task: string
      status: "pending" | "active" | "ended" | "denied"
      sessionBound: boolean
      ttlSeconds: number
      requestedAt: string
      activatedAt?: string
      expiresAt?: string
      endedAt?: string
      endReason?: "expired" | "completed" | "revoked" | "session-closed" | "cancelled"
      decidedBy?: string
      decisionReason?: string
      approvalId?: string
      /** for a grant requested from a plan: its statements, as recorded (secrets redacted) */
      plan?: Array<string>
    }
  }
  revokeGrant: {
    params: {
      id: string
    }
    query: never
    body: {
      /** recorded in the audit log */
      reason: string
    }
    response: {
      id: string
      principalId: string
      principalName: string
      groups: Array<string>
      resourceId: string
      /** scope entries, each `verb:object` */
      scope: Array<string>
      task: string
      status: "pending" | "active" | "ended" | "denied"
      sessionBound: boolean
      ttlSeconds: number
      requestedAt: string
      activatedAt?: string
      expiresAt?: string
      endedAt?: string
      endReason?: "expired" | "completed" | "revoked" | "session-closed" | "cancelled"
      decidedBy?: string
      decisionReason?: string
      approvalId?: string
      /** for a grant requested from a plan: its statements, as recorded (secrets redacted) */
      plan?: Array<string>
    }
  }
  listApprovals: {
    params: never
    query: {
      status?: string
      grantId?: string
      limit?: number
    }
    body: never
    response: {
      approvals: Array<{
        id: string
        subject: "grant" | "action"
        grantId: string
        requesterId: string
        requesterName: string
        resourceId: string
        task: string
        summary: string
        rule: string
        reason: string
        approverGroups: Array<string>
        status: "pending" | "approved" | "denied" | "expired" | "cancelled"
        createdAt: string
        expiresAt: string
        decidedAt?: string
        decidedBy?: string
        decidedByName?: string
        decisionReason?: string
        consumedAt?: string
        /** held statements: the row estimate a `rowsOver` guardrail read, when the gateway made one */
        estimatedRows?: number
        /** grant requests that are pending: the requested scope against auto-approve and the ceiling */
        risk?: {
          /** scope entries, each `verb:object` */
          requested: Array<string>
          /** what the requester's policies grant without an approver */
          autoApprove: Array<string>
          /** the most the requester may hold on the resource */
          ceiling: Array<string>
          /** requested entries auto-approve does not cover: what approving adds */
          widened: Array<string>
          /** for a request from a plan: the statements the requested scope was derived from */
          plan?: Array<string>
          /** how long the access would last once approved */
          ttlSeconds: number
        }
        /** pending approvals: the evidence on the grant from recordings */
        evidence?: {
          /** the principal's earlier grants on the resource whose task says the same thing (at most 20) */
          similar: Array<{
            grantId: string
            task: string
            requestedAt: string
            used: Array<string>
            rows: number
          }>
          /** what those grants used of their scopes */
          pastUsed: Array<string>
          /** requested entries covering nothing those grants used */
          widerThanPast: Array<string>
          /** rows this grant's allowed statements returned or changed, as recorded */
          rows: number
          signals: Array<{
            kind: "wider-than-past" | "unseen-object" | "volume" | "off-hours"
            message: string
            items?: Array<string>
          }>
          /** a request from a plan: each planned statement decided under the rules in force, as if approved */
          planCheck?: Array<{
            text: string
            outcome: "allow" | "deny" | "hold"
            rule?: string
            reason?: string
          }>
        }
      }>
    }
  }
  getApproval: {
    params: {
      id: string
    }
    query: never
    body: never
    response: {
      id: string
      subject: "grant" | "action"
      grantId: string
      requesterId: string
      requesterName: string
      resourceId: string
      task: string
      summary: string
      rule: string
      reason: string
      approverGroups: Array<string>
      status: "pending" | "approved" | "denied" | "expired" | "cancelled"
      createdAt: string
      expiresAt: string
      decidedAt?: string
      decidedBy?: string
      decidedByName?: string
      decisionReason?: string
      consumedAt?: string
      /** held statements: the row estimate a `rowsOver` guardrail read, when the gateway made one */
      estimatedRows?: number
      /** grant requests that are pending: the requested scope against auto-approve and the ceiling */
      risk?: {
        /** scope entries, each `verb:object` */
        requested: Array<string>
        /** what the requester's policies grant without an approver */
        autoApprove: Array<string>
        /** the most the requester may hold on the resource */
        ceiling: Array<string>
        /** requested entries auto-approve does not cover: what approving adds */
        widened: Array<string>
        /** for a request from a plan: the statements the requested scope was derived from */
        plan?: Array<string>
        /** how long the access would last once approved */
        ttlSeconds: number
      }
      /** pending approvals: the evidence on the grant from recordings */
      evidence?: {
        /** the principal's earlier grants on the resource whose task says the same thing (at most 20) */
        similar: Array<{
          grantId: string
          task: string
          requestedAt: string
          used: Array<string>
          rows: number
        }>
        /** what those grants used of their scopes */
        pastUsed: Array<string>
        /** requested entries covering nothing those grants used */
        widerThanPast: Array<string>
        /** rows this grant's allowed statements returned or changed, as recorded */
        rows: number
        signals: Array<{
          kind: "wider-than-past" | "unseen-object" | "volume" | "off-hours"
          message: string
          items?: Array<string>
        }>
        /** a request from a plan: each planned statement decided under the rules in force, as if approved */
        planCheck?: Array<{
          text: string
          outcome: "allow" | "deny" | "hold"
          rule?: string
          reason?: string
        }>
      }
    }
  }
  approveApproval: {
    params: {
      id: string
    }
    query: never
    body: {
      /** why you approve; recorded with the decision and in the audit log */
      reason: string
    }
    response: {
      id: string
      subject: "grant" | "action"
      grantId: string
      requesterId: string
      requesterName: string
      resourceId: string
      task: string
      summary: string
      rule: string
      reason: string
      approverGroups: Array<string>
      status: "pending" | "approved" | "denied" | "expired" | "cancelled"
      createdAt: string
      expiresAt: string
      decidedAt?: string
      decidedBy?: string
      decidedByName?: string
      decisionReason?: string
      consumedAt?: string
      /** held statements: the row estimate a `rowsOver` guardrail read, when the gateway made one */
      estimatedRows?: number
      /** grant requests that are pending: the requested scope against auto-approve and the ceiling */
      risk?: {
        /** scope entries, each `verb:object` */
        requested: Array<string>
        /** what the requester's policies grant without an approver */
        autoApprove: Array<string>
        /** the most the requester may hold on the resource */
        ceiling: Array<string>
        /** requested entries auto-approve does not cover: what approving adds */
        widened: Array<string>
        /** for a request from a plan: the statements the requested scope was derived from */
        plan?: Array<string>
        /** how long the access would last once approved */
        ttlSeconds: number
      }
      /** pending approvals: the evidence on the grant from recordings */
      evidence?: {
        /** the principal's earlier grants on the resource whose task says the same thing (at most 20) */
        similar: Array<{
          grantId: string
          task: string
          requestedAt: string
          used: Array<string>
          rows: number
        }>
        /** what those grants used of their scopes */
        pastUsed: Array<string>
        /** requested entries covering nothing those grants used */
        widerThanPast: Array<string>
        /** rows this grant's allowed statements returned or changed, as recorded */
        rows: number
        signals: Array<{
          kind: "wider-than-past" | "unseen-object" | "volume" | "off-hours"
          message: string
          items?: Array<string>
        }>
        /** a request from a plan: each planned statement decided under the rules in force, as if approved */
        planCheck?: Array<{
          text: string
          outcome: "allow" | "deny" | "hold"
          rule?: string
          reason?: string
        }>
      }
    }
  }
  denyApproval: {
    params: {
      id: string
    }
    query: never
    body: {
      /** why you deny; shown to the requester */
      reason: string
    }
    response: {
      id: string
      subject: "grant" | "action"
      grantId: string
      requesterId: string
      requesterName: string
      resourceId: string
      task: string
      summary: string
      rule: string
      reason: string
      approverGroups: Array<string>
      status: "pending" | "approved" | "denied" | "expired" | "cancelled"
      createdAt: string
      expiresAt: string
      decidedAt?: string
      decidedBy?: string
      decidedByName?: string
      decisionReason?: string
      consumedAt?: string
      /** held statements: the row estimate a `rowsOver` guardrail read, when the gateway made one */
      estimatedRows?: number
      /** grant requests that are pending: the requested scope against auto-approve and the ceiling */
      risk?: {
        /** scope entries, each `verb:object` */
        requested: Array<string>
        /** what the requester's policies grant without an approver */
        autoApprove: Array<string>
        /** the most the requester may hold on the resource */
        ceiling: Array<string>
        /** requested entries auto-approve does not cover: what approving adds */
        widened: Array<string>
        /** for a request from a plan: the statements the requested scope was derived from */
        plan?: Array<string>
        /** how long the access would last once approved */
        ttlSeconds: number
      }
      /** pending approvals: the evidence on the grant from recordings */
      evidence?: {
        /** the principal's earlier grants on the resource whose task says the same thing (at most 20) */
        similar: Array<{
          grantId: string
          task: string
          requestedAt: string
          used: Array<string>
          rows: number
        }>
        /** what those grants used of their scopes */
        pastUsed: Array<string>
        /** requested entries covering nothing those grants used */
        widerThanPast: Array<string>
        /** rows this grant's allowed statements returned or changed, as recorded */
        rows: number
        signals: Array<{
          kind: "wider-than-past" | "unseen-object" | "volume" | "off-hours"
          message: string
          items?: Array<string>
        }>
        /** a request from a plan: each planned statement decided under the rules in force, as if approved */
        planCheck?: Array<{
          text: string
          outcome: "allow" | "deny" | "hold"
          rule?: string
          reason?: string
        }>
      }
    }
  }
  listServiceAccounts: {
    params: never
    query: never
    body: never
    response: {
      serviceAccounts: Array<{
        name: string
        groups: Array<string>
        kind: "agent" | "service"
        createdAt: string
        createdBy: string
        disabledAt?: string
      }>
    }
  }
  createServiceAccount: {
    params: never
    query: never
    body: {
      name: string
      /** groups policies refer to */
      groups: Array<string>
      /** defaults to agent */
      kind?: "agent" | "service"
    }
    response: {
      account: {
        name: string
        groups: Array<string>
        kind: "agent" | "service"
        createdAt: string
        createdBy: string
        disabledAt?: string
      }
      key: string
    }
  }
  rotateServiceAccountKey: {
    params: {
      name: string
    }
    query: never
    body: never
    response: {
      account: {
        name: string
        groups: Array<string>
        kind: "agent" | "service"
        createdAt: string
        createdBy: string
        disabledAt?: string
      }
      key: string
    }
  }
  disableServiceAccount: {
    params: {
      name: string
    }
    query: never
    body: {
      /** recorded in the audit log */
      reason: string
    }
    response: {
      name: string
      groups: Array<string>
      kind: "agent" | "service"
      createdAt: string
      createdBy: string
      disabledAt?: string
    }
  }
  deleteServiceAccount: {
    params: {
      name: string
    }
    query: never
    body: {
      /** recorded in the audit log */
      reason: string
    }
    response: unknown
  }
  listSessions: {
    params: never
    query: {
      principal?: string
      resource?: string
      grant?: string
      since?: unknown
      until?: unknown
      deniedOnly?: string
      task?: string
      state?: "live" | "ended"
      limit?: number
    }
    body: never
    response: {
      sessions: Array<{
        id: string
        grantId: string
        principalId: string
        principalName: string
        resourceId: string
        protocol: string
        client: string
        startedAt: string
        endedAt?: string
        endReason?: string
        /** the grant's task */
        task: string
        /** actions recorded (statements, commands, requests) */
        actionCount: number
        /** of those, denied */
        deniedCount: number
      }>
    }
  }
  getSession: {
    params: {
      id: string
    }
    query: never
    body: never
    response: {
      session: {
        id: string
        grantId: string
        principalId: string
        principalName: string
        resourceId: string
        protocol: string
        client: string
        startedAt: string
        endedAt?: string
        endReason?: string
      }
      actions: Array<{
        sessionId: string
        seq: number
        at: string
        kind: string
        text: string
        outcome: "allow" | "deny" | "approve-first"
        /** the scope entries the action needed, as classified (implicit ones included) */
        needs?: Array<string>
        rule?: string
        reason?: string
        rowCount?: number
        durationMs?: number
        error?: string
        result?: {
          columns: Array<string>
          rows: Array<Array<unknown>>
          truncated: boolean
        }
        masked?: {
          [key: string]: number
        }
        /** the approval that let this held statement run */
        approvalId?: string
        /** principal id of the approver */
        approvedBy?: string
        approvedByName?: string
      }>
    }
  }
  endSession: {
    params: {
      id: string
    }
    query: never
    body: {
      /** recorded in the audit log and told to the client */
      reason: string
    }
    response: {
      id: string
      grantId: string
      principalId: string
      principalName: string
      resourceId: string
      protocol: string
      client: string
      startedAt: string
      endedAt?: string
      endReason?: string
    }
  }
  listSessionRecordings: {
    params: {
      id: string
    }
    query: never
    body: never
    response: {
      recordings: Array<{
        name: string
        kind: "exec" | "shell" | "attach"
        /** the action (exec command, shell start, Kubernetes exec or attach) the recording belongs to */
        seq: number
        bytes: number
      }>
    }
  }
  getSessionRecording: {
    params: {
      id: string
      name: string
    }
    query: never
    body: never
    response: {
      name: string
      cast: string
    }
  }
  holdSession: {
    params: {
      id: string
    }
    query: never
    body: {
      /** why (a case or ticket); recorded in the audit log */
      reason: string
    }
    response: {
      sessionId: string
      held: boolean
    }
  }
  releaseSession: {
    params: {
      id: string
    }
    query: never
    body: never
    response: {
      sessionId: string
      held: boolean
    }
  }
  listAudit: {
    params: never
    query: {
      afterSeq?: number
      type?: string
      actor?: string
      subject?: string
      text?: string
      since?: unknown
      until?: unknown
      order?: "asc" | "desc"
      limit?: number
    }
    body: never
    response: {
      entries: Array<{
        seq: number
        at: string
        type: string
        actor: string
        subject?: string
        data?: {
          [key: string]: unknown
        }
        prevHash: string
        hash: string
      }>
    }
  }
  verifyAudit: {
    params: never
    query: {
      anchor?: string
    }
    body: never
    response: {
      ok: boolean
      entries: number
      /** sequence number of the first bad entry */
      brokenAt?: number
      problem?: string
      /** the newest entry when the log verified: keep it elsewhere and pass it as `anchor` later */
      head?: {
        seq: number
        hash: string
      }
    }
  }
  listAuditSinks: {
    params: never
    query: never
    body: never
    response: {
      sinks: Array<{
        id: string
        kind: "syslog" | "webhook" | "otlp" | "jsonl"
        cursor: number
        headSeq: number
        lag: number
        deadLettered: number
        lastDeliveredAt?: string
        lastError?: string
        lastErrorAt?: string
      }>
    }
  }
  runRetention: {
    params: never
    query: never
    body: never
    response: {
      audit: {
        /** audit entries removed */
        pruned: number
        /** seq of the last entry removed (the checkpoint) */
        throughSeq?: number
      }
    }
  }
  adviseScopes: {
    params: never
    query: {
      principal?: string
      group?: string
      resource?: string
      since?: string
    }
    body: never
    response: {
      since: string
      grants: Array<{
        grantId: string
        principalId: string
        principalName: string
        groups: Array<string>
        resourceId: string
        task: string
        requestedAt: string
        /** scope entries, each `verb:object` */
        requested: Array<string>
        /** what its allowed actions needed of the requested scope (implicit scope left out) */
        used: Array<string>
        /** requested entries no allowed action used */
        unused: Array<string>
        /** allowed actions counted */
        actions: number
        /** of those, recorded before needs were (no evidence) */
        actionsWithoutNeeds: number
      }>
      suggestions: Array<{
        group: string
        resourceId: string
        grants: number
        current: {
          /** scope entries, each `verb:object` */
          ceiling: Array<string>
          /** scope entries, each `verb:object` */
          autoApprove: Array<string>
        }
        suggested: {
          /** scope entries, each `verb:object` */
          ceiling: Array<string>
          /** scope entries, each `verb:object` */
          autoApprove: Array<string>
        }
        /** current ceiling entries none of the grants used */
        unused: Array<string>
        /** why the suggestion is not in the rewritten policies */
        notApplied?: string
      }>
      /** the `policies:` section with the suggestions made */
      policiesYaml: string
      /** unified diff from the current `policies:` section; empty when none */
      diff: string
      clusters: Array<{
        /** the words every task of the cluster says */
        words: Array<string>
        tasks: Array<string>
        grantIds: Array<string>
        /** scope entries, each `verb:object` */
        requested: Array<string>
        /** what the grants of the cluster used */
        suggested: Array<string>
      }>
      /** more grants matched than were read; the newest were */
      truncated: boolean
    }
  }
  replayPolicy: {
    params: never
    query: never
    body: {
      /** the candidate configuration, YAML (this or `policies`) */
      config?: string
      /** a draft `policies:` section, YAML, in place of the running configuration's (this or `config`) */
      policies?: string
      /** statements of sessions started within this long ago (default 7d) */
      since?: string
    }
    response: {
      since: string
      /** recorded statements decided again */
      statements: number
      /** recorded statements a policy did not decide (limits, the store, grant state) */
      skipped: number
      /** statements whose decision would change */
      changed: number
      changes: Array<{
        from: "allow" | "deny" | "hold"
        to: "allow" | "deny" | "hold"
        /** the rule that decides now, or that decided then when it would now allow */
        rule: string
        count: number
        examples: Array<{
          sessionId: string
          seq: number
          grantId: string
          principalName: string
          /** as recorded (secrets redacted), at most 200 characters */
          text: string
          reason: string
        }>
      }>
      /** grants the candidate would decide otherwise */
      grants: Array<{
        grantId: string
        principalName: string
        resourceId: string
        from: "granted" | "approved"
        to: "granted" | "approve" | "deny"
        reason: string
      }>
      /** more was recorded in the window than is replayed; the newest sessions were */
      truncated: boolean
    }
  }
  streamEvents: {
    params: never
    query: never
    body: never
    response: unknown
  }
  getOpenApiDocument: {
    params: never
    query: never
    body: never
    response: {
      [key: string]: unknown
    }
  }
}

// The one configuration schema: TypeScript types are inferred from it, start-up validation uses it, and
// docs/config.md plus the editor JSON Schema (docs/taskgate.schema.json) are generated from it.
import { z } from 'zod'
import { MAX_SCOPE_ENTRIES, MAX_SCOPE_ENTRY_LENGTH } from '../core/index.ts'
import { RESOURCE_SCHEMAS } from '../kinds/index.ts'
import { budgetConfig } from './budget-config.ts'
import { duration, hostPort, secretRef, tlsFiles } from './schema-parts.ts'
import { telemetryConfig } from './telemetry-config.ts'

const scopeEntry = z
  .string()
  .max(MAX_SCOPE_ENTRY_LENGTH)
  .regex(/^([A-Za-z][A-Za-z0-9_-]*|\*):.+$/, 'expected verb:object, e.g. select:billing.invoices')

const resource = z.discriminatedUnion('kind', RESOURCE_SCHEMAS)

const policy = z.strictObject({
  group: z.string().min(1).describe('the group this rule applies to'),
  resources: z.array(z.string()).min(1).describe('resource ids, or ["*"]'),
  ceiling: z
    .array(scopeEntry)
    .min(1)
    .max(MAX_SCOPE_ENTRIES)
    .describe(
      'the widest scope a member may ever receive; an SSH exec entry may name commands, matched on program and arguments (`exec:deploy:systemctl status *`, docs/ssh-command-scopes.md); a path (HTTP, Kubernetes non-resource URLs) matches by segment: `*` within one segment, `**` any number of segments (`GET:/v1/invoices/*`, `GET:/v1/**`)',
    ),
  autoApprove: z
    .array(scopeEntry)
    .max(MAX_SCOPE_ENTRIES)
    .default([])
    .describe('requests entirely within these entries are granted at once'),
  approvers: z
    .array(z.string())
    .default([])
    .describe('groups whose members may approve requests above autoApprove (within the ceiling)'),
  maxTtl: duration.default('1h'),
  budget: budgetConfig.optional(),
})

const guardrail = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes'),
  description: z.string().min(1).describe('shown to the client in the denial and to approvers'),
  action: z
    .enum(['deny', 'approve', 'off'])
    .describe('deny, hold for a human approver, or switch a built-in rule off'),
  match: z
    .strictObject({
      traits: z
        .array(z.string())
        .optional()
        .describe('classifier traits, e.g. destructive-ddl, unbounded-write'),
      kinds: z.array(z.string()).optional().describe('statement kinds, e.g. DropStmt, TruncateStmt'),
      needs: z
        .array(scopeEntry)
        .max(MAX_SCOPE_ENTRIES)
        .optional()
        .describe(
          'scope entries the statement or request needs, e.g. delete:billing.*, or delete:/v1/** for every HTTP DELETE under /v1 (`*` in a path is one segment)',
        ),
      pattern: z
        .string()
        .optional()
        .describe(
          'last resort: a regular expression on the raw statement text, case-insensitive, run on a linear-time engine (no backreferences or lookahead)',
        ),
      rowsOver: z
        .number()
        .int()
        .positive()
        .optional()
        .describe(
          "an extra condition on top of the others: the statement's estimated row count is known and exceeds this. The estimate is PostgreSQL's planner estimate from `EXPLAIN (FORMAT JSON)` of the exact statement, run on a separate connection under the session's upstream login before the statement is decided: the rows a ModifyTable node (UPDATE, DELETE, INSERT, MERGE, also inside a CTE) reads, the largest if several, else the rows the top plan node returns (SELECT). Estimated, only when no other rule or the grant already denies the statement: a SELECT, INSERT, UPDATE, DELETE or MERGE; each of those in a query string of several statements (the largest counts; BEGIN, COMMIT, SET and other statements that touch no rows are skipped); a Parse with $n parameters with GENERIC_PLAN on PostgreSQL 16+, before 16 at each Bind with its values. Unknown: EXECUTE of an SQL PREPARE, EXPLAIN ANALYZE, COPY, TRUNCATE, CALL, DO, CREATE TABLE AS, cursors and any query string holding one; binary Bind parameters; what another connection cannot see (temporary tables, objects of an uncommitted transaction, a search_path set by SET in the session); an EXPLAIN that fails or takes over 2 s. Needs `kinds`, `traits`, `needs` or `pattern` beside it",
        ),
      whenUnknown: z
        .enum(['no-match', 'match'])
        .optional()
        .describe(
          'with `rowsOver`: what an unknown estimate does. `match`: the rule applies as if over the threshold (fail closed; the default for deny rules, so an unestimable spelling does not pass one); `no-match`: it does not apply (the default for approve rules)',
        ),
    })
    .refine(
      (m) =>
        m.rowsOver === undefined ||
        Boolean(m.traits?.length || m.kinds?.length || m.needs?.length || m.pattern),
      {
        message:
          'rowsOver needs kinds, traits, needs or pattern beside it to say which statements it counts, e.g. kinds: [DeleteStmt, UpdateStmt]',
        path: ['rowsOver'],
      },
    )
    .refine((m) => m.whenUnknown === undefined || m.rowsOver !== undefined, {
      message: 'whenUnknown applies only with rowsOver',
      path: ['whenUnknown'],
    })
    .default({}),
  resources: z.array(z.string()).default(['*']).describe('resource ids it applies to'),
  groups: z
    .array(z.string())
    .optional()
    .describe(
      'groups it applies to (everyone when absent); overriding a built-in for some groups leaves it in force for the others',
    ),
  approvers: z
    .array(z.string())
    .optional()
    .describe('groups that approve held statements (default: the resource approvers)'),
})

const oidc = z.strictObject({
  issuer: z.string().url(),
  audience: z.string().min(1).describe('expected `aud` of access tokens'),
  groupsClaim: z.string().default('groups'),
  clientId: z.string().min(1).describe('public client used by `taskgate login` (device flow)'),
  consoleClientId: z
    .string()
    .min(1)
    .optional()
    .describe(
      'public client the web console signs in with (authorization code + PKCE, redirect URI <publicUrl>/auth/callback); defaults to clientId',
    ),
  allowInsecureHttp: z.boolean().default(false).describe('allow an http issuer (tests and loopback only)'),
  clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
})

const providerId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected lowercase letters, digits and dashes')
  .describe('stable id: part of the URLs (/auth/saml/<id>/…) and of principal ids (saml:<id>:<NameID>)')

const samlProvider = z.strictObject({
  kind: z.literal('saml').describe('SAML 2.0, SP-initiated, HTTP-Redirect request and HTTP-POST response'),
  id: providerId,
  label: z.string().min(1).max(80).optional().describe('what the console sign-in button says'),
  entryPoint: z.url({ protocol: /^https?$/ }).describe("the IdP's SingleSignOnService URL (HTTP-Redirect)"),
  idpIssuer: z.string().min(1).describe('the IdP entity id: assertions from any other Issuer are refused'),
  idpCertFile: z
    .string()
    .min(1)
    .describe("PEM file of the IdP's signing certificate: only assertions it signed are accepted"),
  spPrivateKey: secretRef.describe('PEM private key the gateway signs its AuthnRequests with'),
  spCertFile: z.string().min(1).describe('PEM certificate of that key, published in the SP metadata'),
  emailAttribute: z
    .string()
    .default('email')
    .describe("attribute naming the person's e-mail (the principal's display name; NameID when absent)"),
  groupsAttribute: z.string().default('groups').describe('attribute listing the IdP groups'),
  groupMap: z
    .record(z.string(), z.array(z.string().min(1)))
    .optional()
    .describe(
      'IdP group -> taskgate groups; when set, only mapped groups count (an IdP group nobody mapped grants nothing)',
    ),
  clockSkewSeconds: z.number().int().min(0).max(300).default(60),
})

const oidcProvider = oidc.extend({
  kind: z.literal('oidc').describe('the same settings as identity.oidc'),
  id: providerId,
})

const maskingRule = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes'),
    style: z.enum(['redact', 'partial', 'hash', 'null']).default('redact'),
    resources: z.array(z.string()).min(1).default(['*']).describe('resource ids, or ["*"]'),
    groups: z
      .array(z.string())
      .optional()
      .describe('apply only to members of these groups (everyone when absent)'),
    exemptGroups: z.array(z.string()).default([]).describe('members of these groups see values unmasked'),
    columns: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'column patterns: glob `email`, `*_phone`, `billing.customers.ssn`, or `/regex/flags` (a bare name also names that key anywhere in JSON values and HTTP bodies); or a JSON path `$.customer.email`, `$.items[*].card` (`*` any run of characters) whose value is masked whole, in HTTP bodies and json/jsonb columns',
      ),
    detectors: z
      .array(z.string().min(1))
      .optional()
      .describe('detector ids: card, email, phone, iban, ssn, ip, …'),
    allowPredicates: z
      .boolean()
      .default(false)
      .describe(
        'let statements filter, join, sort, group on and compute with the columns this rule names (refused by default: each is a question about the clear value; README "Masking")',
      ),
  })
  .refine((rule) => rule.columns?.length || rule.detectors?.length, 'a rule needs columns, detectors or both')

const customDetector = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes'),
  pattern: z
    .string()
    .min(1)
    .describe(
      'JavaScript regular expression; every match is masked. It runs on every value, on a linear-time engine: no backreferences, lookahead or `u` flag',
    ),
  flags: z
    .string()
    .regex(/^[ims]*$/, 'expected flags among i, m, s (the linear-time engine has no u)')
    .optional(),
  hints: z.array(z.string()).optional().describe('column-name words this detector is about'),
})

const approvalEvents = z
  .array(
    z.enum([
      'approval.requested',
      'approval.approved',
      'approval.denied',
      'approval.expired',
      'approval.cancelled',
    ]),
  )
  .min(1)
  .optional()
  .describe('only these events; all when absent')

const notificationTargetFields = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes'),
  url: z
    .union([z.url({ protocol: /^https?$/ }), secretRef])
    .describe(
      "the receiver's http(s) URL, or a secret holding it (a Slack webhook URL is itself a credential)",
    ),
  events: approvalEvents,
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(20)
    .default(6)
    .describe('attempts per notification, first included'),
}

const notifications = z.strictObject({
  targets: z
    .array(
      z.discriminatedUnion('kind', [
        z.strictObject({
          ...notificationTargetFields,
          kind: z.literal('webhook').describe('POST the JSON payload, signed (X-Taskgate-Signature)'),
          secret: secretRef.describe('HMAC-SHA256 key receivers verify the signature with'),
        }),
        z.strictObject({
          ...notificationTargetFields,
          kind: z.literal('slack').describe('a Slack-compatible incoming webhook'),
          secret: secretRef.optional().describe('when set, messages are signed too (for relays)'),
        }),
      ]),
    )
    .default([])
    .refine(
      (targets) => new Set(targets.map((t) => t.id)).size === targets.length,
      'target ids must be unique',
    ),
})

const slackApprovals = z
  .strictObject({
    signingSecret: secretRef.describe(
      "the Slack app's signing secret: each interactivity request must carry its v0 signature",
    ),
    approvers: z
      .array(
        z.strictObject({
          slackUserId: z
            .string()
            .regex(/^[UW][A-Z0-9]{2,30}$/, 'expected a Slack user id such as U024BE7LH')
            .describe('the Slack user (member id) who presses the buttons'),
          email: z.email().describe("the person's e-mail, as the identity provider knows it"),
          principal: z
            .string()
            .min(1)
            .describe(
              'their taskgate principal id (`oidc:<sub>` as the IdP issues it): decisions are recorded under it, and nobody decides their own request',
            ),
          groups: z
            .array(z.string())
            .min(1)
            .describe('their groups, deciding which approvals they may decide'),
        }),
      )
      .default([])
      .refine(
        (list) => new Set(list.map((a) => a.slackUserId)).size === list.length,
        'each Slack user may appear once',
      )
      .describe(
        'Slack users mapped by hand; with `directory` also anyone found through the IdP by e-mail; anyone else gets a private refusal',
      ),
    directory: z
      .strictObject({
        botToken: secretRef.describe(
          "a Slack bot token with the users:read.email scope: a presser's e-mail comes from Slack's users.info",
        ),
        apiUrl: z
          .url({ protocol: /^https?$/ })
          .default('https://slack.com/api')
          .describe("Slack's Web API base URL"),
        maxAge: duration
          .default('12h')
          .describe(
            'how recently the person must have signed in to taskgate through the IdP (console or API, OIDC or SAML): their principal and groups are what the IdP said then',
          ),
      })
      .optional()
      .describe(
        'find approvers not in `approvers` by e-mail: Slack user -> e-mail (Slack users.info) -> the taskgate principal the IdP gave that e-mail at its last sign-in',
      ),
    responseUrlOrigins: z
      .array(z.url({ protocol: /^https?$/ }))
      .min(1)
      .default(['https://hooks.slack.com'])
      .describe("origins the outcome is posted to (Slack's `response_url`); anything else is refused"),
  })
  .refine((s) => s.approvers.length > 0 || s.directory !== undefined, {
    message: 'list approvers, or set directory to find them through the IdP by e-mail',
    path: ['approvers'],
  })

const sinkId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected lowercase letters, digits and dashes (at most 63)')
  .describe('names the sink in its cursor, metrics and `taskgate audit sinks`; renaming it starts over')

const sinkCommonFields = {
  id: sinkId,
  batchSize: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(200)
    .describe(
      'entries read from the audit log and delivered at once (the log is the queue: nothing else is buffered)',
    ),
}

const caFile = z
  .string()
  .min(1)
  .optional()
  .describe("PEM file of the CA that signed the receiver's certificate (default: the system's CAs)")

const httpSinkFields = {
  ...sinkCommonFields,
  caFile,
  timeout: duration.default('10s').describe('per attempt'),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe(
      'answers refusing a batch (HTTP 429 or 5xx) before it is dead-lettered; any other non-2xx dead-letters at once. An unreachable receiver is an outage, retried without limit',
    ),
}

const auditSink = z.discriminatedUnion('kind', [
  z.strictObject({
    ...sinkCommonFields,
    kind: z
      .literal('syslog')
      .describe('RFC 5424 messages, octet-counting framing (RFC 6587), over TCP or TLS (RFC 5425)'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535),
    transport: z.enum(['tcp', 'tls']).default('tls'),
    tls: z
      .strictObject({
        caFile,
        certFile: z
          .string()
          .min(1)
          .optional()
          .describe('client certificate (PEM) when the receiver asks for one'),
        key: secretRef.optional().describe('client private key (PEM), with certFile'),
        serverName: z.string().min(1).optional().describe('name the certificate must carry (default: host)'),
      })
      .refine((t) => (t.certFile === undefined) === (t.key === undefined), 'certFile and key go together')
      .optional(),
    facility: z
      .number()
      .int()
      .min(0)
      .max(23)
      .default(13)
      .describe('syslog facility number (13: log audit, RFC 5424 §6.2.1)'),
    appName: z
      .string()
      .regex(/^[!-~]{1,48}$/, 'expected 1-48 printable ASCII characters without spaces')
      .default('taskgate'),
    enterpriseId: z
      .string()
      .regex(/^\d+(\.\d+)*$/, 'expected a private enterprise number such as 32473')
      .default('32473')
      .describe(
        'private enterprise number of the structured-data id taskgate@N (32473 is the documentation example)',
      ),
  }),
  z.strictObject({
    ...httpSinkFields,
    kind: z.literal('webhook').describe('POST batches as JSON Lines (ECS documents), HMAC-SHA256 signed'),
    url: z.url({ protocol: /^https$/ }).describe('the receiver; https only (the body is the audit log)'),
    secret: secretRef.describe(
      'HMAC-SHA256 key: X-Taskgate-Signature: t=<unix>,v1=hex(HMAC(key, t + "." + body))',
    ),
  }),
  z.strictObject({
    ...httpSinkFields,
    kind: z.literal('otlp').describe('OpenTelemetry logs over OTLP/HTTP with JSON encoding'),
    url: z
      .url({ protocol: /^https?$/ })
      .describe("the collector's logs endpoint, e.g. https://collector:4318/v1/logs"),
    authorization: secretRef.optional().describe('value of the Authorization header, e.g. `Bearer <token>`'),
  }),
  z.strictObject({
    ...sinkCommonFields,
    kind: z
      .literal('jsonl')
      .describe('JSON Lines files (one ECS document a line), rotated by size, mode 0600'),
    path: z.string().min(1).describe('the file written to; rotated files are PATH.1 (newest) to PATH.<keep>'),
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .default(100 * 1024 * 1024)
      .describe('size at which the file is rotated (a batch never splits across files)'),
    keep: z.number().int().min(1).max(100).default(5).describe('rotated files kept'),
  }),
])

export const configSchema = z.strictObject({
  store: z
    .strictObject({
      dir: z
        .string()
        .default('./data')
        .describe('directory of the embedded store (ignored with databaseUrl)'),
      databaseUrl: secretRef.optional().describe('PostgreSQL store; TASKGATE_DATABASE_URL overrides'),
      poolSize: z
        .number()
        .int()
        .min(2)
        .max(500)
        .default(20)
        .describe(
          'connections each gateway process opens to the PostgreSQL store; while all are in use a request waits for one up to 15 s, then fails with TG_STORE_BUSY (not TG_STORE_UNAVAILABLE)',
        ),
      startupWait: duration
        .default('120s')
        .describe(
          'how long a starting gateway keeps trying a store that is unreachable or busy (TG_STORE_UNAVAILABLE, TG_STORE_BUSY) before it exits: a replica restarted while the store is slow or restarting waits for it, with backoff up to 10 s; `0s` exits at the first failure',
        ),
    })
    .default({ dir: './data', poolSize: 20, startupWait: '120s' }),
  recording: z
    .strictObject({
      onFailure: z
        .enum(['block', 'continue'])
        .default('block')
        .describe(
          'what the data path does when the store cannot take the session recording (unreachable, full, read-only): `block` refuses statements (TG_RECORDING_UNAVAILABLE) until it can, and forwards a write only once its record is stored; `continue` forwards anyway and keeps the records queued in memory until the store takes them',
        ),
    })
    .default({ onFailure: 'block' })
    .describe('session recording'),
  api: z
    .strictObject({
      listen: hostPort.default({ host: '127.0.0.1', port: 8470 }),
      publicUrl: z
        .string()
        .url()
        .optional()
        .describe('URL people use to reach the console (links in notifications)'),
      tls: tlsFiles.optional(),
      trustedProxies: z
        .array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]))
        .default([])
        .describe(
          'addresses or networks of the load balancers in front of the API (`10.0.0.5`, `10.0.0.0/8`): from them, X-Forwarded-For names the client that failed-login limits and audit count; from anywhere else it is ignored',
        ),
      metricsToken: secretRef
        .optional()
        .describe(
          'when set, GET /metrics needs `Authorization: Bearer <token>` (Prometheus: `authorization.credentials_file`); without it /metrics is open like the health routes',
        ),
    })
    .default({ listen: { host: '127.0.0.1', port: 8470 }, trustedProxies: [] }),
  identity: z
    .strictObject({
      oidc: oidc.optional().describe('one OIDC issuer (kept as is; the same as a `kind: oidc` provider)'),
      providers: z
        .array(z.discriminatedUnion('kind', [oidcProvider, samlProvider]))
        .default([])
        .refine((list) => new Set(list.map((p) => p.id)).size === list.length, 'provider ids must be unique')
        .refine(
          (list) => list.filter((p) => p.kind === 'oidc').length <= 1,
          'one OIDC provider at a time (bearer tokens are verified against one issuer); several SAML providers are fine',
        )
        .describe('identity providers people sign in with, side by side: SAML 2.0 IdPs and one OIDC issuer'),
      tokenSigningKey: secretRef
        .optional()
        .describe(
          'HMAC key of the tokens the gateway mints after a SAML sign-in (console sessions and `taskgate` CLI tokens); required with a SAML provider, the same on every gateway sharing a store',
        ),
      adminGroups: z.array(z.string()).default(['taskgate-admins']),
    })
    .default({ adminGroups: ['taskgate-admins'], providers: [] })
    .refine((identity) => !(identity.oidc && identity.providers.some((p) => p.kind === 'oidc')), {
      message:
        'identity.oidc and a `kind: oidc` entry in identity.providers both name an OIDC issuer: keep one (move identity.oidc into identity.providers with kind: oidc and an id)',
    })
    .refine((identity) => identity.tokenSigningKey || !identity.providers.some((p) => p.kind === 'saml'), {
      message:
        'identity.tokenSigningKey is required with a SAML provider: it signs the tokens minted after a SAML sign-in',
      path: ['tokenSigningKey'],
    }),
  agents: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
        groups: z.array(z.string()).min(1),
      }),
    )
    .default([])
    .describe(
      'service accounts created at first start; each key is written once to <store.dir>/keys/<name>.key',
    ),
  resources: z.array(resource).default([]),
  policies: z.array(policy).default([]),
  grants: z
    .strictObject({
      defaultTtl: duration.default('15m'),
      approvalTimeout: duration.default('15m'),
    })
    .default({ defaultTtl: '15m', approvalTimeout: '15m' }),
  guardrails: z
    .array(guardrail)
    .default([])
    .describe(
      'rules that deny or hold statements whatever a grant says; an id of a built-in rule overrides it',
    ),
  approvals: z
    .strictObject({
      actionTimeout: duration.default('5m').describe('how long a held statement waits for an approver'),
      slack: slackApprovals
        .optional()
        .describe(
          "decide approvals from Slack: Approve/Deny buttons and a reason field on `slack` notifications, answered at POST /slack/interactivity (the Slack app's Interactivity Request URL)",
        ),
    })
    .default({ actionTimeout: '5m' }),
  masking: z
    .strictObject({
      hashKey: secretRef
        .optional()
        .describe('key of the `hash` style: the same value gives the same token under one key'),
      rules: z.array(maskingRule).default([]),
      detectors: z
        .array(customDetector)
        .default([])
        .describe('regular-expression detectors, usable by id in rules'),
    })
    .default({ rules: [], detectors: [] })
    .describe('masking of result values before they leave the gateway'),
  notifications: notifications.optional().describe('who hears about approvals, and where'),
  retention: z
    .strictObject({
      checkpointKey: secretRef
        .optional()
        .describe(
          'HMAC-SHA256 key that signs the checkpoint audit retention leaves (the head of what it removed); `taskgate audit verify` needs it once the log was pruned',
        ),
      interval: duration
        .default('1h')
        .describe('how often the gateway runs retention (also `taskgate retention run`)'),
      audit: z
        .strictObject({
          maxAge: duration.describe(
            'audit entries older than this are removed, never before every sink received them',
          ),
        })
        .optional()
        .describe('audit log retention; entries are kept forever when absent'),
      recordings: z
        .array(
          z
            .strictObject({
              resources: z.array(z.string().min(1)).optional().describe('resource ids, or ["*"]'),
              kinds: z.array(z.string().min(1)).optional().describe('resource kinds, e.g. [postgres]'),
              maxAge: duration
                .optional()
                .describe('recordings of sessions that ended longer ago are removed'),
              maxSize: z
                .number()
                .int()
                .min(1024)
                .optional()
                .describe(
                  'bytes of statement and result text kept per policy; the oldest sessions past it lose their recordings',
                ),
            })
            .refine(
              (p) => p.maxAge !== undefined || p.maxSize !== undefined,
              'a policy needs maxAge, maxSize or both',
            )
            .refine(
              (p) => Boolean(p.resources?.length || p.kinds?.length),
              'a policy needs resources, kinds or both',
            ),
        )
        .max(100)
        .default([])
        .describe(
          'session recordings (the recorded statements; the session entry stays) removed per resource or kind; a session under legal hold (`taskgate sessions hold`) is never touched',
        ),
    })
    .refine((r) => r.audit === undefined || r.checkpointKey !== undefined, {
      message: 'audit retention needs checkpointKey: the pruned head is kept as a signed checkpoint',
      path: ['checkpointKey'],
    })
    .default({ interval: '1h', recordings: [] })
    .describe('what the gateway removes, and when'),
  audit: z
    .strictObject({
      sinks: z
        .array(auditSink)
        .max(32)
        .default([])
        .refine((sinks) => new Set(sinks.map((s) => s.id)).size === sinks.length, 'sink ids must be unique')
        .describe(
          'SIEM export: every audit entry, at least once and in order per sink, from a cursor kept in the store (docs/audit-export.md)',
        ),
    })
    .default({ sinks: [] })
    .describe('audit log export'),
  limits: z
    .strictObject({
      sessionsPerGrant: z
        .number()
        .int()
        .min(1)
        .default(20)
        .describe(
          'sessions one grant may have open at once, counted across every gateway process sharing the store; one more is refused (PostgreSQL: FATAL 53300)',
        ),
      sessionsPerPrincipal: z
        .number()
        .int()
        .min(1)
        .default(50)
        .describe(
          'sessions one principal may have open at once over all its grants, counted across every gateway process sharing the store; MCP sessions at /mcp are bounded by it separately in each process (HTTP 429)',
        ),
      failedLogins: z
        .strictObject({
          perSource: z
            .number()
            .int()
            .min(1)
            .default(30)
            .describe(
              'failed logins from one address per window before its logins are refused until the window ends',
            ),
          perPrincipal: z
            .number()
            .int()
            .min(1)
            .default(10)
            .describe(
              'failed logins naming one service account or grant credential per window, from anywhere, before logins naming it are refused',
            ),
          window: duration.default('1m'),
        })
        .default({ perSource: 30, perPrincipal: 10, window: '1m' })
        .describe(
          'on the API, the console and every resource listener; a refused login gets TG_LOGIN_RATE_LIMITED (HTTP 429, PostgreSQL FATAL 08004) and is audited, coalesced like other failures',
        ),
    })
    .default({
      sessionsPerGrant: 20,
      sessionsPerPrincipal: 50,
      failedLogins: { perSource: 30, perPrincipal: 10, window: '1m' },
    })
    .describe(
      'what one client may hold of the gateway; data-path sessions and failed logins are counted by every process sharing the store, MCP sessions per gateway process (`workers` and replicas multiply them)',
    ),
  shutdown: z
    .strictObject({
      drainTimeout: duration
        .default('30s')
        .describe(
          "on SIGTERM/SIGINT the listeners stop accepting and readiness turns 503; live sessions may finish for this long, then each still open is closed with its protocol's own error (PostgreSQL FATAL 57P01). `0s` closes them at once",
        ),
    })
    .default({ drainTimeout: '30s' })
    .describe('how the gateway stops'),
  telemetry: telemetryConfig,
  workers: z
    .union([z.literal('auto'), z.number().int().min(1).max(64)])
    .default(1)
    .describe(
      'gateway processes serving the resource listeners (one port, shared with SO_REUSEPORT on Linux); `auto` is one per CPU core. The control-plane API runs in the first only. See README "Performance" before raising it',
    ),
})

export type Config = z.infer<typeof configSchema>
export type ResourceConfig = Config['resources'][number]
export type PostgresResourceConfig = Extract<ResourceConfig, { kind: 'postgres' }>
export type MysqlResourceConfig = Extract<ResourceConfig, { kind: 'mysql' }>
export type HttpResourceConfig = Extract<ResourceConfig, { kind: 'http' }>
export type KubernetesResourceConfig = Extract<ResourceConfig, { kind: 'kubernetes' }>
export type SshResourceConfig = Extract<ResourceConfig, { kind: 'ssh' }>
export type PolicyConfig = Config['policies'][number]
export type SecretRef = z.infer<typeof secretRef>
export type AuditSinkConfig = Config['audit']['sinks'][number]
export type NotificationTargetConfig = NonNullable<Config['notifications']>['targets'][number]
export type OidcConfig = z.infer<typeof oidc>
export type SamlProviderConfig = z.infer<typeof samlProvider>

/** The one OIDC issuer, whether written as identity.oidc or as a `kind: oidc` provider. */
export function oidcSettings(identity: Config['identity']): OidcConfig | undefined {
  if (identity.oidc) return identity.oidc
  const entry = identity.providers.find((p) => p.kind === 'oidc')
  if (!entry) return undefined
  const { kind: _kind, id: _id, ...settings } = entry
  return settings
}

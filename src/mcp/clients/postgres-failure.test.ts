import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Decision, encodeDecisionData } from '../../core/index.ts'
import { postgresFailure as dataPathFailure } from './postgres-failure.ts'

// The shapes protocols/postgres/errors.ts writes (denialFields, approvalRequiredFields, taskgateErrorFields).
const pgError = (fields: Record<string, string>) => Object.assign(new Error(fields.message), fields)
const routine = (d: Exclude<Decision, { outcome: 'allow' }>) => encodeDecisionData(d)

test('a scope denial keeps rule, reason, missing scope and the request command, read from the decision data', () => {
  const hint = 'taskgate grant request db --scope "delete:a.b,update:a.c" --task \'t\''
  const failure = dataPathFailure(
    pgError({
      code: '42501',
      // The text is for people and may say anything: the model gets the data.
      message: 'whatever a translator made of it',
      detail: 'missing scope: delete:a.b,update:a.c',
      hint,
      routine: routine({
        outcome: 'deny',
        code: 'TG_SCOPE_MISSING',
        rule: 'scope',
        reason: 'taskgate: grant g1 does not allow delete:a.b,update:a.c',
        missingScope: [
          { verb: 'delete', object: 'a.b' },
          { verb: 'update', object: 'a.c' },
        ],
        requestHint: hint,
      }),
    }),
  )
  assert.deepEqual(failure, {
    kind: 'denied',
    denial: {
      code: 'TG_SCOPE_MISSING',
      rule: 'scope',
      reason: 'taskgate: grant g1 does not allow delete:a.b,update:a.c',
      missingScope: ['delete:a.b', 'update:a.c'],
      requestHint: hint,
    },
  })
})

test("regression: taskgate's English alone is not a denial (MCP never parses an engine's text)", () => {
  // What the engine writes as text, without the data: the MCP tools once parsed exactly this.
  const english = pgError({
    code: '42501',
    message: 'taskgate denied this statement (rule scope): taskgate: grant g1 does not allow delete:a.b',
    detail: 'missing scope: delete:a.b',
    hint: 'taskgate grant request db --scope "delete:a.b" --task \'t\'',
  })
  assert.equal(dataPathFailure(english).kind, 'failed')
  const held = pgError({
    code: '42501',
    message: 'taskgate requires an approval for this statement (rule guardrail:hold): needs eyes',
    hint: 'approval a0123456789abcd is pending; run the statement again',
  })
  assert.equal(dataPathFailure(held).kind, 'failed')
  // Malformed or foreign routine values are not decisions either.
  for (const value of ['ExecConstraints', 'taskgate-decision/1 {', 'taskgate-decision/1 {"outcome":"deny"}'])
    assert.equal(dataPathFailure(pgError({ code: '42501', message: 'm', routine: value })).kind, 'failed')
})

test("the denial code is the decision's own", () => {
  const code = (c: 'TG_GUARDRAIL' | 'TG_UNCLASSIFIED' | 'TG_GRANT_EXPIRED' | 'TG_APPROVAL_TIMEOUT') => {
    const f = dataPathFailure(
      pgError({
        code: '42501',
        message: 'm',
        routine: routine({ outcome: 'deny', code: c, rule: 'r', reason: 'why' }),
      }),
    )
    return f.kind === 'denied' ? f.denial.code : f.kind
  }
  for (const c of ['TG_GUARDRAIL', 'TG_UNCLASSIFIED', 'TG_GRANT_EXPIRED', 'TG_APPROVAL_TIMEOUT'] as const)
    assert.equal(code(c), c)
})

test('a statement that needs approval carries the approval id the decision names', () => {
  const hold = { outcome: 'approve-first', rule: 'guardrail:hold', reason: 'needs eyes' } as const
  assert.deepEqual(dataPathFailure(pgError({ code: '42501', message: 'm', routine: routine(hold) })), {
    kind: 'approval-required',
    rule: 'guardrail:hold',
    reason: 'needs eyes',
  })
  assert.deepEqual(
    dataPathFailure(
      pgError({ code: '42501', message: 'm', routine: routine({ ...hold, approvalId: 'a0123456789abcd' }) }),
    ),
    {
      kind: 'approval-required',
      rule: 'guardrail:hold',
      reason: 'needs eyes',
      approvalId: 'a0123456789abcd',
    },
  )
})

test("the target's own errors pass through by SQLSTATE; login and shutdown mean the grant is over", () => {
  assert.deepEqual(
    dataPathFailure(pgError({ code: '42P01', message: 'relation "x" does not exist', position: '15' })),
    {
      kind: 'failed',
      code: 'TG_QUERY_FAILED',
      message: 'relation "x" does not exist',
      sqlstate: '42P01',
      position: 15,
    },
  )
  // PostgreSQL's own permission error (an ephemeral role) is not a taskgate denial.
  assert.equal(
    (
      dataPathFailure(pgError({ code: '42501', message: 'permission denied for table x' })) as {
        code: string
      }
    ).code,
    'TG_QUERY_FAILED',
  )
  assert.equal(
    (dataPathFailure(pgError({ code: '57P01', message: 'grant ended: completed' })) as { code: string }).code,
    'TG_GRANT_NOT_ACTIVE',
  )
  assert.equal(
    (
      dataPathFailure(
        pgError({ code: '28P01', message: 'password authentication failed for user "g1"' }),
      ) as { code: string }
    ).code,
    'TG_GRANT_NOT_ACTIVE',
  )
  assert.equal(
    (
      dataPathFailure(
        pgError({ code: '28000', message: 'The grant is not active', detail: 'TG_GRANT_NOT_ACTIVE' }),
      ) as { code: string }
    ).code,
    'TG_GRANT_NOT_ACTIVE',
  )
  // A login refused for how the client connected is not a dead credential: a new grant would not help.
  const refused = dataPathFailure(
    pgError({ code: '28000', message: 'taskgate requires TLS; connect with sslmode=require' }),
  ) as { code: string; message: string }
  assert.equal(refused.code, 'TG_UPSTREAM_UNAVAILABLE')
  assert.match(refused.message, /requires TLS/)
  assert.doesNotMatch(refused.message, /no longer works/)
  const untrusted = dataPathFailure(
    Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
  ) as { code: string; message: string }
  assert.equal(untrusted.code, 'TG_UPSTREAM_UNAVAILABLE')
  assert.match(untrusted.message, /certificate/)
  assert.equal(
    (
      dataPathFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) as {
        code: string
      }
    ).code,
    'TG_UPSTREAM_UNAVAILABLE',
  )
})

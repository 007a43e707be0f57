import assert from 'node:assert/strict'
import { test } from 'node:test'
import { approvalIdIn, dataPathFailure } from './data-path-errors.ts'

// The shapes protocols/postgres/errors.ts writes (denialFields, approvalRequiredFields, taskgateErrorFields).
const pgError = (fields: Record<string, string>) => Object.assign(new Error(fields.message), fields)

test('a scope denial keeps rule, reason, missing scope and the request command', () => {
  const failure = dataPathFailure(
    pgError({
      code: '42501',
      message:
        'taskgate denied this statement (rule scope): taskgate: grant g1 does not allow delete:a.b,update:a.c',
      detail: 'missing scope: delete:a.b,update:a.c',
      hint: 'taskgate grant request db --scope "delete:a.b,update:a.c" --task \'t\'',
    }),
  )
  assert.deepEqual(failure, {
    kind: 'denied',
    denial: {
      code: 'TG_SCOPE_MISSING',
      rule: 'scope',
      reason: 'taskgate: grant g1 does not allow delete:a.b,update:a.c',
      missingScope: ['delete:a.b', 'update:a.c'],
      requestHint: 'taskgate grant request db --scope "delete:a.b,update:a.c" --task \'t\'',
    },
  })
})

test('the denial code follows the rule, and a TG_* routine wins', () => {
  const code = (rule: string, reason = 'r', routine?: string) => {
    const f = dataPathFailure(
      pgError({
        code: '42501',
        message: `taskgate denied this statement (rule ${rule}): ${reason}`,
        ...(routine ? { routine } : {}),
      }),
    )
    return f.kind === 'denied' ? f.denial.code : f.kind
  }
  assert.equal(code('guardrail:no-drop'), 'TG_GUARDRAIL')
  assert.equal(code('unclassified'), 'TG_UNCLASSIFIED')
  assert.equal(code('grant', 'The grant g1 has expired; request a new one.'), 'TG_GRANT_EXPIRED')
  assert.equal(
    code('approval', 'No approver decided within 5m; the statement was not run.'),
    'TG_APPROVAL_TIMEOUT',
  )
  assert.equal(code('approval', 'Denied by dana.'), 'TG_APPROVAL_DENIED')
  assert.equal(code('scope', 'r', 'TG_SCOPE_MISSING'), 'TG_SCOPE_MISSING')
  assert.equal(code('something-new', 'r', 'TG_FUTURE_CODE'), 'TG_FUTURE_CODE')
})

test('a statement that needs approval carries the approval id when the hint names one', () => {
  const message = 'taskgate requires an approval for this statement (rule guardrail:hold): needs eyes'
  assert.deepEqual(dataPathFailure(pgError({ code: '42501', message })), {
    kind: 'approval-required',
    rule: 'guardrail:hold',
    reason: 'needs eyes',
  })
  assert.deepEqual(
    dataPathFailure(
      pgError({
        code: '42501',
        message,
        hint: 'approval a0123456789abcd is pending; run the statement again',
      }),
    ),
    {
      kind: 'approval-required',
      rule: 'guardrail:hold',
      reason: 'needs eyes',
      approvalId: 'a0123456789abcd',
    },
  )
  assert.equal(approvalIdIn(undefined, 'waiting for approval a0123456789abcd'), 'a0123456789abcd')
  assert.equal(approvalIdIn('administrations'), undefined)
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

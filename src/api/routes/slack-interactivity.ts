// Slack's interactivity endpoint (api.slack.com/interactivity/handling): a press of Approve or Deny on an
// approval message arrives here as a signed form POST (`payload=<json>`). The request is verified on its raw
// bytes, the Slack user mapped to a taskgate principal (approvals.slack.approvers, else by e-mail through the
// IdP: slack/people-directory.ts), and the decision
// made by core under the console's rules. Slack shows nothing of our HTTP answer for block_actions: the
// outcome goes to the payload's response_url (the message replaced, or a reply only the presser sees).
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from '../../config/schema.ts'
import type { Approval, Core, Principal } from '../../core/index.ts'
import { isTaskgateError, notificationPayload, SLACK_ACTION, slackMessage } from '../../core/index.ts'
import type { PeopleDirectory } from '../slack/people-directory.ts'
import { type SlackUsersOptions, slackUserEmail } from '../slack/slack-users.ts'
import { type SlackRequestCheck, SlackRequestVerifier } from '../slack/verify-slack-request.ts'

const SLACK_INTERACTIVITY_PATH = '/slack/interactivity'

type SlackApprovals = NonNullable<Config['approvals']['slack']>

export interface SlackInteractivityOptions {
  core: Core
  logger: Logger
  settings: SlackApprovals
  /** approvals.slack.signingSecret, resolved. */
  signingSecret: string
  publicUrl: string | undefined
  /** Per response_url POST (10 000). */
  timeoutMs?: number
  /** approvals.slack.directory: people the IdP vouched for, and how to ask Slack for a presser's e-mail. */
  directory?: { people: PeopleDirectory; slack: SlackUsersOptions }
}

/** Slack's payloads carry the whole message (blocks and all); a few hundred KiB is far above any real one. */
const BODY_LIMIT = 256 * 1024

const REFUSED: Record<Exclude<SlackRequestCheck, 'ok'>, { status: number; text: string }> = {
  missing: { status: 401, text: 'missing or malformed Slack signature headers' },
  stale: { status: 401, text: 'the request timestamp is outside the five-minute window' },
  'bad-signature': { status: 401, text: 'the Slack signature does not match' },
  replayed: { status: 401, text: 'this signed request was already received' },
  busy: { status: 503, text: 'too many requests to remember within the replay window; retry shortly' },
}

interface ButtonPress {
  verdict: 'approve' | 'deny'
  approvalId: string
  slackUserId: string
  responseUrl: string
  reason: string
}

export function registerSlackInteractivity(app: FastifyInstance, o: SlackInteractivityOptions): void {
  const verifier = new SlackRequestVerifier(o.signingSecret)
  const origins = new Set(o.settings.responseUrlOrigins.map((url) => new URL(url).origin))
  const approvers = new Map(o.settings.approvers.map((a) => [a.slackUserId, a]))
  const respond = (responseUrl: string, message: Record<string, unknown>) =>
    postToResponseUrl(responseUrl, message, o.timeoutMs ?? 10_000, o.logger)

  app.register(async (scope) => {
    // The signature covers the exact bytes Slack sent: keep the form body as a string, parse it ourselves.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: BODY_LIMIT },
      (_request, body, done) => done(null, body),
    )
    scope.post(SLACK_INTERACTIVITY_PATH, async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : ''
      const check = verifier.check(
        headerOf(request.headers['x-slack-request-timestamp']),
        headerOf(request.headers['x-slack-signature']),
        raw,
        o.core.clock.now(),
      )
      if (check !== 'ok') {
        request.log.info({ check }, 'slack interactivity request refused')
        const refused = REFUSED[check]
        return reply.code(refused.status).type('text/plain').send(refused.text)
      }
      const press = parseButtonPress(raw)
      if (!press || !origins.has(originOf(press.responseUrl))) {
        request.log.info({ understood: Boolean(press) }, 'slack interactivity payload not taken')
        return reply.code(400).type('text/plain').send('not an approval button press taskgate can answer')
      }
      const listed = approvers.get(press.slackUserId)
      const principal: Principal | string = listed
        ? {
            id: listed.principal,
            kind: 'person',
            name: listed.email,
            groups: [...listed.groups],
            via: 'slack',
          }
        : await approverByEmail(o, press.slackUserId)
      if (typeof principal === 'string') {
        request.log.info({ slackUser: press.slackUserId }, 'slack user not mapped to a taskgate principal')
        respond(press.responseUrl, ephemeral(principal))
        return reply.code(200).send()
      }
      respond(press.responseUrl, await decide(o, principal, press))
      return reply.code(200).send()
    })
  })
}

/** The presser's principal through the IdP (Slack user -> e-mail -> the principal the IdP last gave that
 * e-mail), or why there is none, in words for the presser. */
async function approverByEmail(
  o: SlackInteractivityOptions,
  slackUserId: string,
): Promise<Principal | string> {
  const unlinked =
    'Your Slack account is not linked to a taskgate approver (approvals.slack.approvers); decide in the taskgate console instead.'
  if (!o.directory) return unlinked
  let email: string | undefined
  try {
    email = await slackUserEmail(o.directory.slack, slackUserId)
  } catch (error) {
    o.logger.warn({ err: String(error) }, 'Slack users.info failed')
    return 'Slack could not tell taskgate who you are just now; try again, or decide in the taskgate console.'
  }
  if (email === undefined) return `${unlinked} (Slack gave no e-mail for your account.)`
  const person = await o.directory.people.find(email)
  if (person) return person
  return `taskgate does not know ${email} from the identity provider yet: sign in to the taskgate console once, then press again (or decide in the console).`
}

/** The core decision, answered as a replaced message (decided) or a private reply (anything refused). */
async function decide(
  o: SlackInteractivityOptions,
  principal: Principal,
  press: ButtonPress,
): Promise<Record<string, unknown>> {
  if (press.reason === '') {
    return ephemeral(
      `Type a reason in the field above the buttons, then press ${press.verdict === 'approve' ? 'Approve' : 'Deny'} again: every decision is recorded with its reason.`,
    )
  }
  try {
    // Core refuses one's own request by principal id and by e-mail (an approver entry naming another id for
    // the same person must not let them approve themself).
    const decided = await o.core.decideApproval(principal, press.approvalId, press.verdict, press.reason)
    return { replace_original: true, ...outcomeMessage(o, decided) }
  } catch (error) {
    if (isTaskgateError(error)) {
      if (error.kind === 'internal') o.logger.error({ err: error, ref: error.ref }, 'slack decision failed')
      return ephemeral(error.clientMessage)
    }
    o.logger.error({ err: error }, 'slack decision failed')
    return ephemeral('The decision could not be made (internal error); try the taskgate console.')
  }
}

function outcomeMessage(o: SlackInteractivityOptions, decided: Approval) {
  const type = decided.status === 'approved' ? 'approval.approved' : 'approval.denied'
  return slackMessage(notificationPayload({ type, approval: decided }, o.core.clock.now(), o.publicUrl))
}

function ephemeral(text: string): Record<string, unknown> {
  return { response_type: 'ephemeral', replace_original: false, text }
}

/** The fields we act on, read from an untrusted (if signed) JSON document; anything unexpected -> undefined. */
function parseButtonPress(raw: string): ButtonPress | undefined {
  let payload: unknown
  try {
    payload = JSON.parse(new URLSearchParams(raw).get('payload') ?? '')
  } catch {
    return undefined
  }
  if (!isRecord(payload) || payload.type !== 'block_actions') return undefined
  const action = Array.isArray(payload.actions) ? payload.actions[0] : undefined
  const user = payload.user
  if (!isRecord(action) || !isRecord(user)) return undefined
  const verdict =
    action.action_id === SLACK_ACTION.approve
      ? 'approve'
      : action.action_id === SLACK_ACTION.deny
        ? 'deny'
        : undefined
  const approvalId = action.value
  const responseUrl = payload.response_url
  if (!verdict || typeof approvalId !== 'string' || approvalId.length === 0 || approvalId.length > 200)
    return undefined
  if (typeof user.id !== 'string' || typeof responseUrl !== 'string') return undefined
  return { verdict, approvalId, slackUserId: user.id, responseUrl, reason: reasonOf(payload.state) }
}

/** The reason field's text: state.values[block_id][action_id].value, both ids ours. */
function reasonOf(state: unknown): string {
  if (!isRecord(state) || !isRecord(state.values)) return ''
  const block = state.values[SLACK_ACTION.reason]
  const field = isRecord(block) ? block[SLACK_ACTION.reason] : undefined
  const value = isRecord(field) ? field.value : undefined
  return typeof value === 'string' ? value.trim().slice(0, 1000) : ''
}

function postToResponseUrl(url: string, message: Record<string, unknown>, timeoutMs: number, logger: Logger) {
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
    // The response_url is a credential-like capability; a redirect would carry the message elsewhere.
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  })
    .then(async (response) => {
      await response.body?.cancel().catch(() => {})
      if (!response.ok) logger.warn({ status: response.status }, 'slack refused a response_url message')
    })
    // Never log the URL: it lets anyone post into the channel for half an hour.
    .catch((error: unknown) => logger.warn({ failure: (error as Error)?.name }, 'slack response_url failed'))
}

function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return ''
  }
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

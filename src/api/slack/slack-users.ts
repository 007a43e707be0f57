// A Slack user's e-mail, from Slack's Web API users.info (api.slack.com/methods/users.info) with a bot token
// that has the users:read.email scope. Only a real, active member's own e-mail counts: bots, deleted users
// and answers without an e-mail give undefined, so the press is refused rather than guessed.

export interface SlackUsersOptions {
  /** Slack's Web API base, https://slack.com/api (a test points it at its own server). */
  apiUrl: string
  /** The bot token (xoxb-…), resolved from its secret. */
  token: string
  timeoutMs?: number
}

const MAX_ANSWER_BYTES = 256 * 1024

export async function slackUserEmail(o: SlackUsersOptions, userId: string): Promise<string | undefined> {
  const url = `${o.apiUrl.replace(/\/+$/, '')}/users.info?user=${encodeURIComponent(userId)}`
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${o.token}` },
    signal: AbortSignal.timeout(o.timeoutMs ?? 5_000),
    redirect: 'error',
  })
  const text = await response.text()
  if (!response.ok || text.length > MAX_ANSWER_BYTES) {
    throw new Error(`Slack users.info answered HTTP ${response.status}`)
  }
  const answer = JSON.parse(text) as {
    ok?: boolean
    error?: string
    user?: { id?: string; deleted?: boolean; is_bot?: boolean; profile?: { email?: unknown } }
  }
  // Slack reports failures as 200 with ok:false (invalid_auth, missing_scope, user_not_found).
  if (answer.error === 'user_not_found') return undefined
  if (answer.ok !== true) throw new Error(`Slack users.info refused: ${answer.error ?? 'no reason'}`)
  const user = answer.user
  if (!user || user.id !== userId || user.deleted === true || user.is_bot === true) return undefined
  const email = user.profile?.email
  return typeof email === 'string' && email.length <= 320 ? email : undefined
}

// A Slack incoming-webhook message (https://api.slack.com/messaging/webhooks): `text` is the fallback shown
// in notifications, `blocks` the laid-out message. Limits cited from the Block Kit reference: header text
// 150 chars, section text 3000, each field 2000.
import type { NotificationPayload } from './notification.ts'

export interface SlackMessage {
  text: string
  blocks: Array<Record<string, unknown>>
}

const HEADLINE: Record<NotificationPayload['type'], string> = {
  'approval.requested': 'Approval requested',
  'approval.approved': 'Approval granted',
  'approval.denied': 'Approval denied',
  'approval.expired': 'Approval expired',
  'approval.cancelled': 'Approval cancelled',
}

/** The ids a button press comes back with (slack-interactivity.ts reads them). */
export const SLACK_ACTION = {
  approve: 'taskgate_approve',
  deny: 'taskgate_deny',
  reason: 'taskgate_reason',
} as const

export interface SlackMessageOptions {
  /** Approve/Deny buttons and a reason field on a request: only when the interactivity endpoint is
   * configured (approvals.slack), or a press would go nowhere. */
  interactive?: boolean
}

export function slackMessage(payload: NotificationPayload, options: SlackMessageOptions = {}): SlackMessage {
  const a = payload.approval
  const what = a.subject === 'action' ? 'Statement' : 'Scope'
  const headline = `${HEADLINE[payload.type]}: ${a.requester.name} on ${a.resource}`
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: clip(headline, 150) } },
    {
      type: 'section',
      fields: [
        field('Requester', `${a.requester.name} (${a.requester.id})`),
        field('Resource', a.resource),
        field('Task', a.task),
        field('Approvers', a.approverGroups.join(', ') || '(admins)'),
      ],
    },
    section(`*${what}*\n${codeBlock(a.summary, 2900)}`),
    section(`*Why approval is needed* (rule \`${escapeMrkdwn(a.rule)}\`)\n${escapeClip(a.reason, 2800)}`),
  ]
  const outcome = decisionLine(payload)
  if (outcome) blocks.push(section(outcome))
  if (options.interactive && payload.type === 'approval.requested') blocks.push(...decisionBlocks(a.id))
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: a.url
          ? `<${a.url}|Review approval ${escapeMrkdwn(a.id)} in the console> · expires ${a.expiresAt}`
          : `Approval ${escapeMrkdwn(a.id)} · expires ${a.expiresAt} · decide with \`taskgate approvals\``,
      },
    ],
  })
  const text = `${headline} (${what.toLowerCase()}: ${clip(a.summary, 200)})${a.url ? ` ${a.url}` : ''}`
  return { text: escapeMrkdwn(text), blocks }
}

// Block Kit: an input block in a message travels in `state.values` of every block_actions payload, so the
// reason typed next to the buttons arrives with the press (api.slack.com/reference/block-kit/blocks#input).
function decisionBlocks(approvalId: string): Array<Record<string, unknown>> {
  return [
    {
      type: 'input',
      block_id: SLACK_ACTION.reason,
      optional: true,
      label: { type: 'plain_text', text: 'Reason (required to approve or deny)' },
      element: {
        type: 'plain_text_input',
        action_id: SLACK_ACTION.reason,
        max_length: 1000,
        placeholder: {
          type: 'plain_text',
          text: 'Why you approve or deny; recorded and shown to the requester',
        },
      },
    },
    {
      type: 'actions',
      block_id: 'taskgate_decide',
      elements: [
        button('Approve', SLACK_ACTION.approve, approvalId, 'primary'),
        button('Deny', SLACK_ACTION.deny, approvalId, 'danger'),
      ],
    },
  ]
}

function button(text: string, actionId: string, value: string, style: string): Record<string, unknown> {
  return { type: 'button', text: { type: 'plain_text', text }, action_id: actionId, value, style }
}

function decisionLine(payload: NotificationPayload): string | undefined {
  const a = payload.approval
  if (payload.type === 'approval.expired') return '*Outcome*\nNo approver decided in time.'
  if (payload.type === 'approval.requested') return undefined
  if (payload.type === 'approval.cancelled')
    return `*Outcome*\nCancelled before anyone decided${a.decisionReason ? `: ${escapeClip(a.decisionReason, 2000)}` : ''}.`
  const verb = payload.type === 'approval.approved' ? 'Approved' : 'Denied'
  const by = a.decidedBy ? ` by ${escapeMrkdwn(a.decidedBy.name)}` : ''
  const why = a.decisionReason ? `: ${escapeClip(a.decisionReason, 2000)}` : ''
  return `*Outcome*\n${verb}${by}${why}`
}

function section(text: string): Record<string, unknown> {
  return { type: 'section', text: { type: 'mrkdwn', text } }
}

function field(label: string, value: string): Record<string, unknown> {
  return { type: 'mrkdwn', text: `*${label}*\n${escapeClip(value, 1900)}` }
}

/** A fenced block; a fence inside the statement would close it early, so it is broken with a zero-width space. */
function codeBlock(text: string, max: number): string {
  return `\`\`\`${escapeClip(text, max).replaceAll('```', '`\u200b``')}\`\`\``
}

// Slack reads &, < and > as control characters in mrkdwn and text; these three must be escaped
// (https://api.slack.com/reference/surfaces/formatting#escaping). Escaping also stops a requester's text
// from forming links or @channel mentions.
function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** Escapes, then clips to `max` without cutting an entity in half, so the result stays within Slack's limits. */
function escapeClip(text: string, max: number): string {
  const escaped = escapeMrkdwn(text)
  if (escaped.length <= max) return escaped
  return `${escaped.slice(0, max - 1).replace(/&[a-z]{0,3}$/, '')}…`
}

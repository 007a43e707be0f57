import type { RecordedAction } from '../api/client.ts'

const LABEL: Record<RecordedAction['outcome'], string> = {
  allow: 'allowed',
  deny: 'denied',
  'approve-first': 'held',
}

/** The decision on one action, in words and colour (never colour alone). */
export function Outcome({
  outcome,
  rule,
}: {
  outcome: RecordedAction['outcome']
  rule?: string | undefined
}) {
  return (
    <span className={`badge badge-${outcome === 'approve-first' ? 'held' : outcome}`}>
      {LABEL[outcome]}
      {rule && outcome !== 'allow' ? ` · ${rule}` : ''}
    </span>
  )
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-status-${status}`}>{status}</span>
}

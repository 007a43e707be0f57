import { useMemo } from 'react'
import { tokenizeSql } from './sql-tokens.ts'

/** A statement with its keywords, strings, numbers and comments coloured; the text itself is unchanged. */
export function SqlText({ sql, className }: { sql: string; className?: string }) {
  const tokens = useMemo(() => tokenizeSql(sql), [sql])
  return (
    <code className={`sql ${className ?? ''}`}>
      {tokens.map((token, i) =>
        token.kind === 'text' ? (
          token.text
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: tokens are positional and never reordered
          <span key={i} className={`sql-${token.kind}`}>
            {token.text}
          </span>
        ),
      )}
    </code>
  )
}

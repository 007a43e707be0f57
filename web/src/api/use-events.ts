// Live changes from GET /v1/events (server-sent events). EventSource reconnects by itself; the server
// ends each stream after a few minutes so that a reconnect authenticates again. Pages load their lists
// on `open`, not before: a change between a load and the subscription would otherwise be lost.
import { useEffect, useRef } from 'react'
import type { Approval, Grant } from './client.ts'

export interface ChangeHandlers {
  /** The stream is (re)connected: changes made while it was down were missed, so reload the list. */
  onOpen?: () => void
  onApproval?: (approval: Approval) => void
  onGrant?: (grant: Grant) => void
}

export function useEvents(handlers: ChangeHandlers): void {
  const latest = useRef(handlers)
  latest.current = handlers
  useEffect(() => {
    const source = new EventSource('/v1/events')
    source.addEventListener('open', () => latest.current.onOpen?.())
    source.addEventListener('approval.changed', (event) => {
      latest.current.onApproval?.(
        (JSON.parse((event as MessageEvent).data) as { approval: Approval }).approval,
      )
    })
    source.addEventListener('grant.changed', (event) => {
      latest.current.onGrant?.((JSON.parse((event as MessageEvent).data) as { grant: Grant }).grant)
    })
    return () => source.close()
  }, [])
}

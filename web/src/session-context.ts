import { createContext, useContext } from 'react'
import type { Principal } from './api/client.ts'

export const SessionContext = createContext<Principal | undefined>(undefined)

/** The signed-in principal; pages render only inside a signed-in session. */
export function useMe(): Principal {
  const me = useContext(SessionContext)
  if (!me) throw new Error('useMe outside a signed-in session')
  return me
}

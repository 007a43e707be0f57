// A few client-side routes need no router library: the path is state, links push history entries, and
// the server answers every non-API path with index.html.
import { type AnchorHTMLAttributes, useEffect, useState } from 'react'

const listeners = new Set<() => void>()

export function navigate(to: string): void {
  history.pushState(null, '', to)
  for (const listener of listeners) listener()
}

export function useLocation(): URL {
  const [href, setHref] = useState(location.href)
  useEffect(() => {
    const update = () => setHref(location.href)
    listeners.add(update)
    window.addEventListener('popstate', update)
    return () => {
      listeners.delete(update)
      window.removeEventListener('popstate', update)
    }
  }, [])
  return new URL(href)
}

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const { to, onClick, ...rest } = props
  return (
    <a
      {...rest}
      href={to}
      onClick={(event) => {
        onClick?.(event)
        if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
          return
        event.preventDefault()
        navigate(to)
      }}
    />
  )
}

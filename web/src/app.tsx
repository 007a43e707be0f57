// The console shell: who is signed in, the navigation, and which page the path names.
import { useCallback, useEffect, useRef, useState } from 'react'
import {
  type Approval,
  call,
  type Principal,
  request,
  setCsrfToken,
  whenUnauthenticated,
} from './api/client.ts'
import { useEvents } from './api/use-events.ts'
import { usePageTitle } from './components/page.tsx'
import { AccountPage } from './pages/account.tsx'
import { AdvicePage } from './pages/advice.tsx'
import { ApprovalPage } from './pages/approval.tsx'
import { ApprovalsPage } from './pages/approvals.tsx'
import { AuditPage } from './pages/audit.tsx'
import { GrantPage } from './pages/grant.tsx'
import { GrantsPage } from './pages/grants.tsx'
import { SessionPage } from './pages/session.tsx'
import { SessionsPage } from './pages/sessions.tsx'
import { SignInPage } from './pages/sign-in.tsx'
import { Link, navigate, useLocation } from './router.tsx'
import { SessionContext } from './session-context.ts'

type SessionState = { state: 'loading' } | { state: 'signed-out' } | { state: 'signed-in'; me: Principal }

export function App() {
  const [session, setSession] = useState<SessionState>({ state: 'loading' })
  const url = useLocation()

  const load = useCallback(async () => {
    try {
      const current = await request<{ principal: Principal; csrfToken: string }>('GET', '/auth/session')
      setCsrfToken(current.csrfToken)
      setSession({ state: 'signed-in', me: current.principal })
    } catch {
      setSession({ state: 'signed-out' })
    }
  }, [])
  useEffect(() => {
    whenUnauthenticated(() => setSession({ state: 'signed-out' }))
    void load()
  }, [load])

  if (session.state === 'loading') return <p className="loading">Loading…</p>
  if (session.state === 'signed-out' || url.pathname === '/signin')
    return (
      <SignInPage
        error={url.searchParams.get('error') ?? undefined}
        onSignedIn={(me, csrfToken) => {
          setCsrfToken(csrfToken)
          setSession({ state: 'signed-in', me })
          if (url.pathname === '/signin') navigate('/')
        }}
      />
    )
  return (
    <SessionContext.Provider value={session.me}>
      <Shell
        me={session.me}
        onSignOut={async () => {
          await request('POST', '/auth/logout').catch(() => {})
          setSession({ state: 'signed-out' })
          navigate('/')
        }}
      >
        <Page url={url} />
      </Shell>
    </SessionContext.Provider>
  )
}

function Page({ url }: { url: URL }) {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
  switch (parts[0]) {
    case undefined:
      return <ApprovalsPage />
    case 'approvals':
      return parts[1] ? <ApprovalPage id={parts[1]} /> : <ApprovalsPage />
    case 'grants':
      return parts[1] ? <GrantPage id={parts[1]} /> : <GrantsPage />
    case 'sessions':
      return parts[1] ? <SessionPage id={parts[1]} /> : <SessionsPage search={url.searchParams} />
    case 'audit':
      return <AuditPage />
    case 'advice':
      return <AdvicePage />
    case 'account':
      return <AccountPage />
    default:
      return <NotFound path={url.pathname} />
  }
}

function NotFound({ path }: { path: string }) {
  usePageTitle('Not found')
  return (
    <section>
      <h1>Not found</h1>
      <p>
        No page at {path}. <Link to="/">Go to approvals</Link>.
      </p>
    </section>
  )
}

const NAV = [
  { to: '/approvals', label: 'Approvals', match: (p: string) => p === '/' || p.startsWith('/approvals') },
  { to: '/grants', label: 'Grants', match: (p: string) => p.startsWith('/grants') },
  { to: '/sessions', label: 'Sessions', match: (p: string) => p.startsWith('/sessions') },
  { to: '/audit', label: 'Audit', match: (p: string) => p.startsWith('/audit') },
  { to: '/account', label: 'Account', match: (p: string) => p.startsWith('/account') },
]

function Shell({
  me,
  onSignOut,
  children,
}: {
  me: Principal
  onSignOut: () => void
  children: React.ReactNode
}) {
  const path = useLocation().pathname
  const pending = usePendingCount(me)
  useHeadingFocusOnNavigation(path)
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">taskgate</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={item.match(path) ? 'page' : undefined}>
                  {item.label}
                  {item.to === '/approvals' && pending > 0 ? (
                    <span className="count">
                      {pending}
                      <span className="visually-hidden"> pending</span>
                    </span>
                  ) : null}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          <span className="who-name" title={me.id}>
            {me.name}
          </span>
          <button type="button" className="link-button" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  )
}

/** After a client-side page change, focus moves to the new page's heading (as a full page load would put a
 * screen reader at the top), once the page has rendered it. Not on the first load: focus stays put. */
function useHeadingFocusOnNavigation(path: string): void {
  const previous = useRef(path)
  useEffect(() => {
    if (previous.current === path) return
    previous.current = path
    let tries = 0
    const focus = () => {
      const heading = document.querySelector<HTMLElement>('main h1')
      if (heading) {
        heading.tabIndex = -1
        heading.focus()
      } else if (tries++ < 20) setTimeout(focus, 50)
    }
    focus()
  }, [path])
}

/** Pending approvals this principal may decide (not their own requests), live. */
function usePendingCount(me: Principal): number {
  const [pending, setPending] = useState<Map<string, Approval>>(new Map())
  useEvents({
    onOpen: () =>
      call('listApprovals', { query: { status: 'pending' } })
        .then(({ approvals }) => setPending(new Map(approvals.map((a) => [a.id, a]))))
        .catch(() => {}),
    onApproval: (approval) =>
      setPending((current) => {
        const next = new Map(current)
        if (approval.status === 'pending') next.set(approval.id, approval)
        else next.delete(approval.id)
        return next
      }),
  })
  return [...pending.values()].filter((a) => a.requesterId !== me.id).length
}

import { type FormEvent, useEffect, useState } from 'react'
import { type Principal, request } from '../api/client.ts'
import { errorMessage } from '../components/format.ts'
import { usePageTitle } from '../components/page.tsx'

export function SignInPage(props: {
  error?: string | undefined
  onSignedIn: (me: Principal, csrfToken: string) => void
}) {
  const [oidc, setOidc] = useState(false)
  const [saml, setSaml] = useState<Array<{ id: string; label: string }>>([])
  const [key, setKey] = useState('')
  const [error, setError] = useState(props.error)
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    request<{ oidc: boolean; saml?: Array<{ id: string; label: string }> }>('GET', '/auth/config')
      .then((config) => {
        setOidc(config.oidc)
        setSaml(config.saml ?? [])
      })
      .catch(() => {})
  }, [])

  const signInWithKey = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const result = await request<{ principal: Principal; csrfToken: string }>('POST', '/auth/key', { key })
      setKey('')
      props.onSignedIn(result.principal, result.csrfToken)
    } catch (failure) {
      setError(errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }

  const returnTo = location.pathname === '/signin' ? '/' : location.pathname + location.search
  usePageTitle('Sign in')
  return (
    <main className="sign-in" id="main">
      <h1>Sign in to taskgate</h1>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {oidc ? (
        <p>
          <a className="button primary" href={`/auth/login?returnTo=${encodeURIComponent(returnTo)}`}>
            Sign in with your identity provider
          </a>
        </p>
      ) : null}
      {saml.map((provider) => (
        <p key={provider.id}>
          <a
            className="button primary"
            href={`/auth/saml/${encodeURIComponent(provider.id)}/login?returnTo=${encodeURIComponent(returnTo)}`}
          >
            Sign in with {provider.label}
          </a>
        </p>
      ))}
      <form onSubmit={signInWithKey} className="card">
        <h2>Local administrator</h2>
        <label htmlFor="key">Admin key</label>
        <input
          id="key"
          name="key"
          type="password"
          autoComplete="off"
          required
          value={key}
          onChange={(event) => setKey(event.target.value)}
          aria-describedby="key-help"
        />
        <p id="key-help" className="help">
          Written to <code>data/keys/admin.key</code> (and printed) at first start. Service-account keys work
          too.
        </p>
        <button type="submit" className="primary" disabled={busy}>
          Sign in with key
        </button>
      </form>
    </main>
  )
}

// Who you are, and for administrators the service accounts: rotate a key (the new key shows once),
// disable an account (its key stops working and its grants end) or delete it (its name stays reserved).
import { useEffect, useRef, useState } from 'react'
import { call, type Response, request } from '../api/client.ts'
import { errorMessage } from '../components/format.ts'
import { usePageTitle } from '../components/page.tsx'
import { ReasonAction } from '../components/reason-action.tsx'
import { Time } from '../components/time.tsx'
import { useMe } from '../session-context.ts'

type Account = Response<'listServiceAccounts'>['serviceAccounts'][number]

export function AccountPage() {
  const me = useMe()
  const [accounts, setAccounts] = useState<Account[]>()
  const [rotated, setRotated] = useState<{ name: string; key: string }>()
  const [cliToken, setCliToken] = useState<{ token: string; expiresAt: string }>()
  const [status, setStatus] = useState('')
  const [error, setError] = useState<string>()
  const keyShown = useRef<HTMLDivElement>(null)
  usePageTitle('Account')

  const load = () =>
    call('listServiceAccounts')
      .then(({ serviceAccounts }) => setAccounts(serviceAccounts))
      .catch(() => setAccounts([]))
  // biome-ignore lint/correctness/useExhaustiveDependencies: the list loads once; actions reload it
  useEffect(() => {
    void load()
  }, [])

  const rotate = async (name: string) => {
    if (!window.confirm(`Rotate the key of ${name}? The current key stops working at once.`)) return
    setError(undefined)
    try {
      const { key } = await call('rotateServiceAccountKey', { params: { name } })
      setRotated({ name, key })
      setTimeout(() => keyShown.current?.focus(), 0)
    } catch (failure) {
      setError(errorMessage(failure))
    }
  }
  // SAML has no device flow: a person signed in through SAML takes a short-lived token for the CLI here.
  const mintCliToken = async () => {
    setError(undefined)
    try {
      setCliToken(await request<{ token: string; expiresAt: string }>('POST', '/auth/cli-token'))
    } catch (failure) {
      setError(errorMessage(failure))
    }
  }
  const self = me.id.startsWith('sa:') ? me.id.slice(3) : undefined
  const admin = (accounts?.length ?? 0) > 0
  const shown = admin ? (accounts ?? []) : self ? [{ name: self } as Account] : []

  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Account</h1>
      <dl className="facts">
        <dt>Name</dt>
        <dd>{me.name}</dd>
        <dt>Id</dt>
        <dd>
          <code>{me.id}</code>
        </dd>
        <dt>Kind</dt>
        <dd>
          {me.kind} (signed in via {me.via})
        </dd>
        <dt>Groups</dt>
        <dd>{me.groups.join(', ') || '—'}</dd>
      </dl>
      {me.via === 'saml' ? (
        <div className="card">
          <h2>Command line</h2>
          {cliToken ? (
            <div role="status">
              <p>
                A token for <code>taskgate</code>, valid until <Time iso={cliToken.expiresAt} /> (shown once):
              </p>
              <pre className="secret">{`export TASKGATE_TOKEN=${cliToken.token}`}</pre>
            </div>
          ) : (
            <button type="button" onClick={mintCliToken}>
              Get a CLI token (1 hour)
            </button>
          )}
        </div>
      ) : null}
      {rotated ? (
        <div className="card key-shown" role="status" tabIndex={-1} ref={keyShown}>
          <p>
            New key for <strong>{rotated.name}</strong> (shown once; store it now):
          </p>
          <pre className="secret">{rotated.key}</pre>
          {rotated.name === self ? (
            <p>This was your own key: your console session ends; sign in again with the new key.</p>
          ) : null}
        </div>
      ) : null}
      <p role="status" className="muted">
        {status}
      </p>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {shown.length ? (
        <>
          <h2>Service accounts</h2>
          <div className="table-scroll">
            <table className="table accounts">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Groups</th>
                  <th scope="col">Created</th>
                  <th scope="col">State</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((a) => (
                  <tr key={a.name} data-account={a.name}>
                    <td>{a.name}</td>
                    <td>{a.kind ?? ''}</td>
                    <td>{a.groups?.join(', ') ?? ''}</td>
                    <td>{a.createdAt ? <Time iso={a.createdAt} compact /> : ''}</td>
                    <td>
                      {a.disabledAt ? (
                        <>
                          <span className="badge badge-status-ended">disabled</span>{' '}
                          <Time iso={a.disabledAt} compact />
                        </>
                      ) : (
                        <span className="badge badge-status-active">active</span>
                      )}
                    </td>
                    <td>
                      <div className="row-actions">
                        {a.disabledAt ? null : (
                          <button type="button" className="small" onClick={() => rotate(a.name)}>
                            Rotate key<span className="visually-hidden"> of {a.name}</span>
                          </button>
                        )}
                        {admin && a.name !== self && !a.disabledAt ? (
                          <ReasonAction
                            label="Disable"
                            target={`account ${a.name}`}
                            confirmLabel="Confirm disable"
                            onConfirm={async (reason) => {
                              await call('disableServiceAccount', {
                                params: { name: a.name },
                                body: { reason },
                              })
                              setStatus(`${a.name} disabled: its key no longer works and its grants ended.`)
                              await load()
                            }}
                          />
                        ) : null}
                        {admin && a.name !== self ? (
                          <ReasonAction
                            label="Delete"
                            target={`account ${a.name}`}
                            confirmLabel="Confirm delete"
                            onConfirm={async (reason) => {
                              await call('deleteServiceAccount', {
                                params: { name: a.name },
                                body: { reason },
                              })
                              setStatus(`${a.name} deleted; its name stays reserved.`)
                              await load()
                            }}
                          />
                        ) : null}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </section>
  )
}

// Who you are, and for administrators the service accounts with a key rotation (the new key shows once).
import { useEffect, useState } from 'react'
import { call, type Response } from '../api/client.ts'
import { errorMessage, formatTime } from '../components/format.ts'
import { useMe } from '../session-context.ts'

type Account = Response<'listServiceAccounts'>['serviceAccounts'][number]

export function AccountPage() {
  const me = useMe()
  const [accounts, setAccounts] = useState<Account[]>()
  const [rotated, setRotated] = useState<{ name: string; key: string }>()
  const [error, setError] = useState<string>()

  useEffect(() => {
    call('listServiceAccounts')
      .then(({ serviceAccounts }) => setAccounts(serviceAccounts))
      .catch(() => setAccounts([]))
  }, [])

  const rotate = async (name: string) => {
    if (!window.confirm(`Rotate the key of ${name}? The current key stops working at once.`)) return
    setError(undefined)
    try {
      const { key } = await call('rotateServiceAccountKey', { params: { name } })
      setRotated({ name, key })
    } catch (failure) {
      setError(errorMessage(failure))
    }
  }
  const self = me.id.startsWith('sa:') ? me.id.slice(3) : undefined
  const shown = accounts?.length ? accounts : self ? [{ name: self } as Account] : []

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
      {rotated ? (
        <div className="card key-shown" role="status">
          <p>
            New key for <strong>{rotated.name}</strong> (shown once; store it now):
          </p>
          <pre className="secret">{rotated.key}</pre>
          {rotated.name === self ? (
            <p>This was your own key: your console session ends; sign in again with the new key.</p>
          ) : null}
        </div>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {shown.length ? (
        <>
          <h2>Service accounts</h2>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Groups</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((a) => (
                <tr key={a.name}>
                  <td>{a.name}</td>
                  <td>{a.kind ?? ''}</td>
                  <td>{a.groups?.join(', ') ?? ''}</td>
                  <td>{a.createdAt ? formatTime(a.createdAt) : ''}</td>
                  <td>
                    <button type="button" className="small" onClick={() => rotate(a.name)}>
                      Rotate key<span className="visually-hidden"> of {a.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  )
}

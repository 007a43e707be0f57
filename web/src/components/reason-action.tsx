// An action that must say why (revoke, end a session, disable or delete an account): a button that opens
// a small form whose reason is required. Keyboard first: opening focuses the reason, Enter confirms,
// Escape cancels and returns focus to the button.
import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import { errorMessage } from './format.ts'

export function ReasonAction(props: {
  /** The button's text, e.g. "Revoke". */
  label: string
  /** What the action is on, for screen readers: "grant g…". */
  target: string
  confirmLabel: string
  onConfirm: (reason: string) => Promise<void>
  danger?: boolean
}) {
  const [open, setOpen] = useState(false)
  const [reason, setReason] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const id = useId()
  const input = useRef<HTMLInputElement>(null)
  const opener = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (open) input.current?.focus()
  }, [open])

  const close = () => {
    setOpen(false)
    setError(undefined)
    queueMicrotask(() => opener.current?.focus())
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!reason.trim()) {
      setError('Enter a reason first.')
      input.current?.focus()
      return
    }
    setBusy(true)
    setError(undefined)
    try {
      await props.onConfirm(reason.trim())
      setOpen(false)
      setReason('')
    } catch (failure) {
      setError(errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }
  const tone = props.danger === false ? 'small' : 'danger small'
  if (!open)
    return (
      <button ref={opener} type="button" className={tone} onClick={() => setOpen(true)}>
        {props.label}
        <span className="visually-hidden"> {props.target}</span>
      </button>
    )
  return (
    <form
      onSubmit={submit}
      className="inline-form"
      aria-label={`${props.label} ${props.target}`}
      onKeyDown={(event) => {
        if (event.key === 'Escape') close()
      }}
    >
      <label htmlFor={`${id}-reason`}>Reason</label>
      <input
        ref={input}
        id={`${id}-reason`}
        value={reason}
        aria-describedby={error ? `${id}-error` : undefined}
        aria-invalid={error ? true : undefined}
        onChange={(event) => setReason(event.target.value)}
      />
      <button type="submit" className={tone} aria-disabled={busy || undefined}>
        {props.confirmLabel}
      </button>
      <button type="button" className="small" onClick={close}>
        Cancel
      </button>
      {error ? (
        <span id={`${id}-error`} className="error" role="alert">
          {error}
        </span>
      ) : null}
    </form>
  )
}

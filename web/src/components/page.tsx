// What every page shares: its document title ("Approvals (3) · taskgate") and its breadcrumbs.
import { type ReactNode, useEffect } from 'react'
import { Link } from '../router.tsx'

export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · taskgate`
  }, [title])
}

export function Breadcrumbs({
  trail,
  current,
}: {
  trail: Array<{ to: string; label: string }>
  current: ReactNode
}) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumbs">
      <ol>
        {trail.map((step) => (
          <li key={step.to}>
            <Link to={step.to}>{step.label}</Link>
          </li>
        ))}
        <li aria-current="page">{current}</li>
      </ol>
    </nav>
  )
}

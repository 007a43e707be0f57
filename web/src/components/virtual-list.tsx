// A windowed list: only the rows in view (plus a few) are in the DOM, so a session of 10,000 statements
// scrolls as fast as one of ten. Rows have one fixed height. Arrow keys, Home and End move the selection
// when the list has focus; the selected row is scrolled into view.
import { type KeyboardEvent, type ReactNode, useEffect, useRef, useState } from 'react'

export interface VirtualListProps<T> {
  items: readonly T[]
  rowHeight: number
  /** Height of the scrolling viewport in pixels. */
  height: number
  label: string
  renderRow: (item: T, index: number) => ReactNode
  selected?: number
  onSelect?: (index: number) => void
  overscan?: number
}

export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, rowHeight, height, renderRow, selected, onSelect, overscan = 8 } = props
  const viewport = useRef<HTMLDivElement>(null)
  const [scrollTop, setScrollTop] = useState(0)

  useEffect(() => {
    const element = viewport.current
    if (!element || selected === undefined) return
    const top = selected * rowHeight
    if (top < element.scrollTop) element.scrollTop = top
    else if (top + rowHeight > element.scrollTop + element.clientHeight)
      element.scrollTop = top + rowHeight - element.clientHeight
  }, [selected, rowHeight])

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan)
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan)

  const onKeyDown = (event: KeyboardEvent) => {
    if (!onSelect || items.length === 0) return
    const current = selected ?? -1
    const page = Math.max(1, Math.floor(height / rowHeight) - 1)
    const next: Record<string, number> = {
      ArrowDown: current + 1,
      ArrowUp: current - 1,
      PageDown: current + page,
      PageUp: current - page,
      Home: 0,
      End: items.length - 1,
    }
    const target = next[event.key]
    if (target === undefined) return
    event.preventDefault()
    onSelect(Math.min(items.length - 1, Math.max(0, target)))
  }

  return (
    <div
      ref={viewport}
      className="virtual-list"
      role="listbox"
      aria-label={props.label}
      aria-activedescendant={selected !== undefined ? `row-${selected}` : undefined}
      tabIndex={0}
      style={{ height, overflowY: 'auto', position: 'relative' }}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: items.length * rowHeight, position: 'relative' }}>
        {items.slice(first, last).map((item, offset) => {
          const index = first + offset
          return (
            // Options are not tab stops: the listbox holds focus and points at the selected one
            // (aria-activedescendant), and its arrow keys do what a click does.
            // biome-ignore lint/a11y/useFocusableInteractive: see above
            // biome-ignore lint/a11y/useKeyWithClickEvents: see above
            <div
              key={index}
              id={`row-${index}`}
              role="option"
              aria-selected={index === selected}
              aria-posinset={index + 1}
              aria-setsize={items.length}
              className={`virtual-row${index === selected ? ' selected' : ''}`}
              style={{ position: 'absolute', top: index * rowHeight, height: rowHeight, left: 0, right: 0 }}
              onClick={() => onSelect?.(index)}
            >
              {renderRow(item, index)}
            </div>
          )
        })}
      </div>
    </div>
  )
}

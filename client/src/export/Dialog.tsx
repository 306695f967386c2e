import { useEffect, useRef, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from 'react'
import './export.css'
import { Icon } from '../icons.tsx'

const FOCUSABLE = 'input:not(:disabled), select:not(:disabled), button:not(:disabled)'

/**
 * The frame the board's file dialogs share. Modal (export, import): closes on Escape wherever
 * focus is, on its close button or a click outside, and Tab stays inside. Docked (snapshots):
 * sits at the right edge without covering the board, so people watch a restore happen; Escape
 * inside it closes it.
 */
export function Dialog({
  title,
  onClose,
  children,
  docked,
}: {
  title: string
  onClose: () => void
  children: ReactNode
  docked?: boolean
}) {
  const ref = useRef<HTMLDivElement>(null)
  // The window listener reads the latest onClose without being added again on every render.
  const close = useRef(onClose)
  useEffect(() => {
    close.current = onClose
  }, [onClose])
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('input, select, button:not(.bf-close)')?.focus()
    if (docked) return
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault()
        e.stopPropagation()
        close.current()
      } else if (!ref.current?.contains(document.activeElement)) {
        // Focus fell out (a button that just got disabled): keys stay with the dialog, not the canvas.
        if (e.key === 'Tab') {
          e.preventDefault()
          ref.current?.querySelector<HTMLElement>('input:not(:disabled), select, button:not(:disabled)')?.focus()
        }
        e.stopPropagation()
      }
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [docked])
  const trapTab = (e: ReactKeyboardEvent) => {
    if (e.key !== 'Tab' || docked) return
    const focusable = [...ref.current!.querySelectorAll<HTMLElement>(FOCUSABLE)]
    const [first, last] = [focusable[0], focusable[focusable.length - 1]]
    const wrapTo = e.shiftKey ? (document.activeElement === first ? last : undefined) : document.activeElement === last ? first : undefined
    if (!wrapTo) return
    e.preventDefault()
    wrapTo.focus()
  }
  const panel = (
    <div
      ref={ref}
      className={`bf-dialog${docked ? ' bf-docked' : ''}`}
      role="dialog"
      aria-modal={!docked}
      aria-label={title}
      onKeyDown={(e) => {
        if (docked && e.key === 'Escape') onClose()
        trapTab(e)
        // Typing in the panel must not trigger the canvas's shortcuts.
        e.stopPropagation()
      }}
    >
      <header>
        <h2>{title}</h2>
        <button className="bf-close" aria-label="Close" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      {children}
    </div>
  )
  if (docked) return panel
  return (
    <div
      className="bf-backdrop"
      onPointerDown={(e) => {
        if (e.target === e.currentTarget) onClose()
      }}
    >
      {panel}
    </div>
  )
}

/** The error line every dialog shows the same way. */
export function DialogError({ children }: { children: ReactNode }) {
  return (
    <p className="bf-error" role="alert">
      {children}
    </p>
  )
}

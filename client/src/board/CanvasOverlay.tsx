import type { ReactNode } from 'react'
import { createPortal } from 'react-dom'
import { useBoardContext } from './BoardContext.tsx'

/**
 * A layer over the canvas and under every panel. Rendered into the board, not inside the panel
 * that uses it, whose stacking context would lift it over the panels on the left.
 */
export function CanvasOverlay({ children, hidden }: { children: ReactNode; hidden?: boolean }) {
  const { editor } = useBoardContext()
  const root = editor.getContainer().closest('.board') ?? document.body
  return createPortal(
    <div className="canvas-overlay" aria-hidden={hidden}>
      {children}
    </div>,
    root,
  )
}

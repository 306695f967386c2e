import type { BoxLike, Editor } from 'tldraw'

/** Panels that float over the canvas and the side they hold; what sits under them is hard to reach. */
const OVERLAYS: [selector: string, side: 'left' | 'top' | 'bottom'][] = [
  ['.fac-dock', 'left'],
  ['.fac-timer', 'top'],
  ['.sm-toolbar', 'top'],
  ['.tlui-main-toolbar', 'bottom'],
  ['.fac-present-bar', 'bottom'],
]
/** The right column (our dock and tldraw's style panel), for views that must clear it too. */
const RIGHT_SELECTORS = ['.pv-dock', '.tlui-style-panel__wrapper']

/**
 * The part of the canvas (screen coordinates, relative to the editor) that no panel covers,
 * reduced to the rectangle right of the left dock, below the top bars and above the toolbar.
 * Sides are fixed per panel: guessing from the size misread a short dock (collapsed sections)
 * as a top bar, and `.tlui-toolbar` first matched tldraw's top-left bar, not the toolbar.
 *
 * With `rightColumn`, also left of the right column (the privacy dock and tldraw's style panel).
 */
export function uncoveredScreenArea(editor: Editor, { rightColumn = false } = {}): { x: number; y: number; w: number; h: number } {
  const screen = editor.getViewportScreenBounds()
  let left = 0
  let right = screen.w
  let top = 0
  let bottom = screen.h
  for (const [selector, side] of OVERLAYS) {
    const el = document.querySelector(selector)
    if (!el) continue
    const r = el.getBoundingClientRect()
    if (r.width === 0 || r.height === 0) continue
    if (side === 'left') left = Math.max(left, r.right - screen.x)
    else if (side === 'top') top = Math.max(top, r.bottom - screen.y)
    else bottom = Math.min(bottom, r.y - screen.y)
  }
  for (const selector of rightColumn ? RIGHT_SELECTORS : []) {
    const el = document.querySelector(selector)
    if (el) right = Math.min(right, el.getBoundingClientRect().x - screen.x)
  }
  return { x: left, y: top, w: Math.max(1, right - left), h: Math.max(1, bottom - top) }
}

/** Like zoomToBounds, but fits the bounds into the part of the screen the panels leave free. */
export function zoomToUncovered(editor: Editor, bounds: BoxLike, { inset = 40, maxZoom = 1, rightColumn = false } = {}) {
  const free = uncoveredScreenArea(editor, { rightColumn })
  const zoom = Math.min(maxZoom, (free.w - inset * 2) / bounds.w, (free.h - inset * 2) / bounds.h)
  const centre = { x: free.x + free.w / 2, y: free.y + free.h / 2 }
  // tldraw's camera: screen = (page + camera) * zoom.
  editor.setCamera({ x: centre.x / zoom - (bounds.x + bounds.w / 2), y: centre.y / zoom - (bounds.y + bounds.h / 2), z: zoom })
}

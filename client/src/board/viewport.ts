import type { BoxLike, Editor } from 'tldraw'

/** Panels that float over the canvas; what sits under them is hard to reach. */
const OVERLAY_SELECTORS = ['.fac-dock', '.fac-timer', '.sm-toolbar', '.tlui-toolbar']
/** The right column (our dock and tldraw's style panel), for views that must clear it too. */
const RIGHT_SELECTORS = ['.pv-dock', '.tlui-style-panel__wrapper']

/**
 * The part of the canvas (screen coordinates, relative to the editor) that no panel covers,
 * reduced to the largest rectangle right of the left dock and below the top bars (and left of
 * the right column, with `rightColumn`).
 */
export function uncoveredScreenArea(editor: Editor, { rightColumn = false } = {}): { x: number; y: number; w: number; h: number } {
  const screen = editor.getViewportScreenBounds()
  let left = 0
  let right = screen.w
  let top = 0
  let bottom = screen.h
  for (const selector of OVERLAY_SELECTORS) {
    const el = document.querySelector(selector)
    if (!el) continue
    const r = el.getBoundingClientRect()
    const rel = { x: r.x - screen.x, y: r.y - screen.y, right: r.right - screen.x, bottom: r.bottom - screen.y }
    if (rel.x < screen.w * 0.3 && rel.bottom > screen.h * 0.5) left = Math.max(left, rel.right) // a left dock
    else if (rel.y < screen.h * 0.3) top = Math.max(top, rel.bottom) // a top bar
    else bottom = Math.min(bottom, rel.y) // a bottom toolbar
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

import { useEffect } from 'react'
import type { BoxLike, Editor } from 'tldraw'
import type { BoardContextValue } from './BoardContext.tsx'
import { INSTANCE_PRESENCE_FIELD, landingBox, presenceViewport, type PageBox, type ViewPresence } from '@roundtable/shared'

/** Panels that float over the canvas and the side they hold; what sits under them is hard to reach. */
const OVERLAYS: [selector: string, side: 'left' | 'top' | 'bottom' | 'top or bottom'][] = [
  ['.dock-rail', 'left'],
  ['.dock-popover:not([hidden])', 'left'],
  // At the top, or on a phone above the toolbar.
  ['.fac-timer', 'top or bottom'],
  ['.sm-toolbar', 'top'],
  ['.tlui-main-toolbar', 'bottom'],
  ['.fac-present-bar', 'bottom'],
]
/** The right column (tldraw's style panel), for views that must clear it too. */
const RIGHT_SELECTORS = ['.tlui-style-panel__wrapper']

/**
 * The part of the canvas (screen coordinates, relative to the editor) that no panel covers,
 * reduced to the rectangle right of the left dock, below the top bars and above the toolbar.
 * Sides are fixed per panel: guessing from the size misread a short dock (collapsed sections)
 * as a top bar, and `.tlui-toolbar` first matched tldraw's top-left bar, not the toolbar.
 *
 * With `rightColumn`, also left of the right column (tldraw's style panel).
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
    const atTop = side === 'top' || (side === 'top or bottom' && r.y - screen.y < screen.h / 2)
    if (side === 'left') left = Math.max(left, r.right - screen.x)
    else if (atTop) top = Math.max(top, r.bottom - screen.y)
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

/** How long after opening someone arriving on the board still moves to the group: others' presence comes in just after the board. */
const JOIN_GROUP_MS = 3000

/**
 * Where someone opening the board first looks (see landingBox): the content for a viewer, the
 * group (or else the content) for someone taking part, instead of wherever the camera starts.
 */
export function useLanding(editor: Editor, awareness: BoardContextValue['awareness'], viewOnly: boolean) {
  useEffect(() => {
    const others = (): PageBox[] =>
      [...awareness.getStates()].flatMap(([id, state]) => {
        const presence = state[INSTANCE_PRESENCE_FIELD] as ViewPresence | null | undefined
        if (id === awareness.clientID || !presence || presence.currentPageId !== editor.getCurrentPageId()) return []
        const view = presenceViewport(presence)
        return view ? [view] : []
      })
    let landedAt = editor.getCamera()
    let withGroup = false
    const land = () => {
      const group = others()
      const bounds = editor.getCurrentPageBounds()
      const box = (b: BoxLike) => ({ x: b.x, y: b.y, w: b.w, h: b.h })
      const landing = landingBox({ viewOnly, content: bounds && box(bounds), others: group, view: box(editor.getViewportPageBounds()) })
      // Content is fitted clear of the panels; the group's view is taken as they see it.
      if (landing?.of === 'content') zoomToUncovered(editor, landing.box, { rightColumn: true })
      else if (landing) editor.zoomToBounds(landing.box, { inset: 0, targetZoom: 1 })
      landedAt = editor.getCamera()
      withGroup = group.length > 0
    }
    // After the panels are laid out: the view fits the part of the screen they leave free.
    const frame = requestAnimationFrame(land)
    // The group shows up a moment later; go there unless this person has moved meanwhile.
    const onChange = () => {
      const camera = editor.getCamera()
      const moved = camera.x !== landedAt.x || camera.y !== landedAt.y || camera.z !== landedAt.z
      if (!viewOnly && !withGroup && !moved && others().length) land()
    }
    awareness.on('change', onChange)
    const stop = setTimeout(() => awareness.off('change', onChange), JOIN_GROUP_MS)
    return () => {
      cancelAnimationFrame(frame)
      clearTimeout(stop)
      awareness.off('change', onChange)
    }
    // All three are fixed while a board is open: this runs once per board opened.
  }, [editor, awareness, viewOnly])
}

/** A rectangle in page coordinates. */
export interface PageBox {
  x: number
  y: number
  w: number
  h: number
}

/** What tldraw's instance presence tells of someone's view: the camera and the size of their screen. */
export interface ViewPresence {
  currentPageId?: string
  camera?: { x: number; y: number; z: number }
  screenBounds?: { w: number; h: number }
}

/** The part of the page someone sees (tldraw's camera: screen = (page + camera) * zoom). */
export function presenceViewport(p: ViewPresence): PageBox | undefined {
  const { camera, screenBounds } = p
  if (!camera || !screenBounds || !(camera.z > 0) || !(screenBounds.w > 0) || !(screenBounds.h > 0)) return undefined
  return { x: -camera.x, y: -camera.y, w: screenBounds.w / camera.z, h: screenBounds.h / camera.z }
}

const overlap = (a: PageBox, b: PageBox) =>
  Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y))

/**
 * Where someone opening the board first looks. A view-only visitor sees the board's content;
 * someone joining to take part lands where the group is — the view the others share most — and,
 * when nobody else is here, on the content unless some of it is already in their `view` (a big
 * board is not zoomed out to show all of it at once). Undefined: stay where the view is.
 */
export function landingBox({
  viewOnly,
  content,
  others,
  view,
}: {
  viewOnly: boolean
  content?: PageBox
  others: PageBox[]
  view: PageBox
}): { box: PageBox; of: 'content' | 'group' } | undefined {
  if (viewOnly) return content && { box: content, of: 'content' }
  if (others.length === 0) return content && overlap(content, view) === 0 ? { box: content, of: 'content' } : undefined
  // The view that overlaps the others' most; the first one on a tie.
  let best = others[0]
  let bestShared = -1
  for (const view of others) {
    const shared = others.reduce((sum, other) => (other === view ? sum : sum + overlap(view, other) / (other.w * other.h)), 0)
    if (shared > bestShared) [best, bestShared] = [view, shared]
  }
  return { box: best, of: 'group' }
}

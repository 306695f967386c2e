/** Which dock panel is open (at most one) and whether the whole dock is put away, as remembered per browser. */
export interface DockState {
  open: string | null
  hidden: boolean
}

export const DOCK_CLOSED: DockState = { open: null, hidden: false }

/** Reads a remembered dock state; anything unreadable, or a panel this build no longer has, reads as closed. */
export function parseDockState(raw: string | null, panelIds: readonly string[]): DockState {
  try {
    const value = JSON.parse(raw ?? 'null') as Partial<DockState> | null
    if (!value || typeof value !== 'object') return DOCK_CLOSED
    const open = typeof value.open === 'string' && panelIds.includes(value.open) ? value.open : null
    return { open, hidden: value.hidden === true }
  } catch {
    return DOCK_CLOSED
  }
}

/** Pressing a panel's button: opens it (closing any other) or, when it is the open one, closes it. Shows a hidden dock. */
export function toggleDockPanel(state: DockState, id: string): DockState {
  return { open: state.open === id ? null : id, hidden: false }
}

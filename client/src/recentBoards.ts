export interface RecentBoard {
  id: string
  title: string
  openedAt: number
}

const KEY = 'roundtable:recent-boards'
const MAX = 20

export function loadRecentBoards(): RecentBoard[] {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) ?? '[]')
    return Array.isArray(list) ? list.filter((b) => typeof b?.id === 'string') : []
  } catch {
    return []
  }
}

export function rememberBoard(id: string, title?: string) {
  const rest = loadRecentBoards().filter((b) => b.id !== id)
  const previous = loadRecentBoards().find((b) => b.id === id)
  // This device's clock on purpose: the list never leaves this browser and is shown as its own.
  const entry = { id, title: title || previous?.title || 'Untitled board', openedAt: Date.now() }
  localStorage.setItem(KEY, JSON.stringify([entry, ...rest].slice(0, MAX)))
}

export function forgetBoard(id: string) {
  localStorage.setItem(KEY, JSON.stringify(loadRecentBoards().filter((b) => b.id !== id)))
}

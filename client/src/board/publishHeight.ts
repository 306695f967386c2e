import { useEffect, type RefObject } from 'react'

/**
 * Publishes a panel's height as a CSS variable on the board, so that what shares its corner
 * (tldraw's style panel, the other right-hand panels) can make room for it in CSS.
 */
export function usePublishedHeight(ref: RefObject<HTMLElement | null>, variable: string) {
  useEffect(() => {
    const el = ref.current
    const board = el?.closest<HTMLElement>('.board')
    if (!el || !board) return
    const observer = new ResizeObserver(() => board.style.setProperty(variable, `${el.offsetHeight}px`))
    observer.observe(el)
    return () => {
      observer.disconnect()
      board.style.removeProperty(variable)
    }
  }, [ref, variable])
}

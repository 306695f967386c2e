import { sortLog, type LogEntry } from './log.ts'

/**
 * Presenting frames, replayed from the session log. One presentation at a time: a start while
 * another runs takes it over (the later start in log order wins, as a step-forward does for the
 * baton). Only the presenter's steps move it; it ends when the presenter stops or leaves.
 */

export interface PresentedFrame {
  id: string
  name: string
}

export interface Presentation {
  id: string
  presenter: { id: string; name: string }
  frames: PresentedFrame[]
  /** The frame shown now. */
  index: number
  startedAt: number
}

export interface PresentationState {
  active: Presentation | undefined
  voided: Set<string>
}

export function presentationState(entries: readonly LogEntry[]): PresentationState {
  let active: Presentation | undefined
  const voided = new Set<string>()
  for (const e of sortLog(entries)) {
    const mine = !!active && active.id === e.roundId
    switch (e.kind) {
      case 'present.start':
        if (!e.order?.length) voided.add(e.id)
        else active = { id: e.roundId!, presenter: { id: e.by, name: e.byName }, frames: e.order, index: 0, startedAt: e.at }
        break
      case 'present.step':
        if (mine && e.by === active!.presenter.id && e.turn! >= 0 && e.turn! < active!.frames.length)
          active = { ...active!, index: e.turn! }
        else voided.add(e.id)
        break
      case 'board.fork':
        active = undefined
        break
      case 'present.end':
        if (mine) active = undefined
        else voided.add(e.id)
        break
    }
  }
  return { active, voided }
}

export interface FrameBox extends PresentedFrame {
  x: number
  y: number
  w: number
  h: number
}

/**
 * Frames in reading order: rows top to bottom, each row left to right. A frame belongs to the
 * row above when its top is above the middle of that row's first frame, so a row drawn by hand,
 * a little crooked, still reads left to right.
 */
export function readingOrder<F extends FrameBox>(frames: readonly F[]): F[] {
  const rows: F[][] = []
  for (const f of [...frames].sort((a, b) => a.y - b.y || a.x - b.x)) {
    const row = rows.at(-1)
    if (row && f.y < row[0].y + row[0].h / 2) row.push(f)
    else rows.push([f])
  }
  return rows.flatMap((row) => row.sort((a, b) => a.x - b.x))
}

/** Moves the frame at `from` to position `to` (a drag in the list), the others keeping their order. */
export function moveFrameTo<F>(frames: readonly F[], from: number, to: number): F[] {
  const out = [...frames]
  if (from < 0 || from >= out.length || to < 0 || to >= out.length) return out
  out.splice(to, 0, ...out.splice(from, 1))
  return out
}

/** Moves one frame up (-1) or down (+1) in the order the presenter is preparing; the ends stay put. */
export function moveFrame<F>(frames: readonly F[], index: number, direction: -1 | 1): F[] {
  return moveFrameTo(frames, index, index + direction)
}

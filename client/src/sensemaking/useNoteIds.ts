import { useValue, type Editor, type TLShapeId } from 'tldraw'
import { isNote } from './actions.ts'

/**
 * The ids of the sticky notes that are selected, or on the current page (in page order),
 * kept current as the board changes. `withDrafts: false` leaves out this device's private
 * silent-round drafts.
 */
export function useNoteIds(editor: Editor, which: 'selected' | 'page', { withDrafts }: { withDrafts: boolean }): TLShapeId[] {
  return useValue(
    which === 'selected' ? 'selected notes' : 'page notes',
    () =>
      (which === 'selected' ? editor.getSelectedShapes() : editor.getCurrentPageShapesSorted())
        .filter(isNote)
        .filter((s) => withDrafts || !s.meta.draft)
        .map((s) => s.id),
    [editor, which, withDrafts],
  )
}

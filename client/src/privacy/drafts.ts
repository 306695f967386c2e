import * as Y from 'yjs'
import { IndexeddbPersistence } from 'y-indexeddb'
import type { Editor, TLShape } from 'tldraw'

/**
 * Silent-brainstorm drafts on this device only: a Y.Doc of its own, kept in IndexedDB and never
 * connected to any provider. Drafts show in the editor as note shapes marked `meta.draft` (the
 * binding keeps those out of the shared doc); every local edit to them is mirrored here so a
 * reload or an offline stretch keeps them.
 */
export class DraftKeeper {
  private doc = new Y.Doc()
  private map = this.doc.getMap<TLShape>('drafts')
  private persistence: IndexeddbPersistence
  private stopListening: () => void
  readonly whenLoaded: Promise<void>

  constructor(
    boardId: string,
    private editor: Editor,
  ) {
    this.persistence = new IndexeddbPersistence(`roundtable-drafts:${boardId}`, this.doc)
    this.whenLoaded = this.persistence.whenSynced.then(() => undefined)
    this.stopListening = editor.store.listen(
      ({ changes }) => {
        this.doc.transact(() => {
          for (const r of Object.values(changes.added)) if (r.typeName === 'shape' && r.meta.draft) this.map.set(r.id, r)
          for (const [, r] of Object.values(changes.updated)) if (r.typeName === 'shape' && r.meta.draft) this.map.set(r.id, r)
          for (const r of Object.values(changes.removed)) if (r.typeName === 'shape' && r.meta.draft) this.map.delete(r.id)
        })
      },
      { source: 'user', scope: 'document' },
    )
  }

  /** The rounds this device holds drafts for. */
  rounds(): string[] {
    return [...new Set([...this.map.values()].map((r) => String(r.meta.draft)))]
  }

  list(roundId: string): TLShape[] {
    return [...this.map.values()].filter((r) => r.meta.draft === roundId)
  }

  /** Puts this round's kept drafts back on the canvas (as a remote change: nothing echoes). */
  show(roundId: string) {
    const missing = this.list(roundId).filter((r) => !this.editor.store.has(r.id))
    if (missing.length) this.editor.store.mergeRemoteChanges(() => this.editor.store.put(missing))
  }

  /** Forgets drafts once published: off the canvas and off this device. */
  forget(ids: TLShape['id'][]) {
    const shown = ids.filter((id) => this.editor.store.has(id))
    if (shown.length) this.editor.store.mergeRemoteChanges(() => this.editor.store.remove(shown))
    this.doc.transact(() => ids.forEach((id) => this.map.delete(id)))
  }

  dispose() {
    this.stopListening()
    this.persistence.destroy()
    this.doc.destroy()
  }
}

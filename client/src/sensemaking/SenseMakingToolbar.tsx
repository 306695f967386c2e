import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import { useValue, type TLShapeId } from 'tldraw'
import { TEMPLATES } from '@roundtable/shared'
import { useBoardContext } from '../board/BoardContext.tsx'
import { FormActions } from '../board/panelParts.tsx'
import { groupNotes, insertTemplate } from './actions.ts'
import { useClusterSuggestions, type ClusterState, type Suggestion } from './useClusterSuggestions.ts'
import { useNoteIds } from './useNoteIds.ts'
import './sensemaking.css'
import { Icon } from '../icons.tsx'
import { useAnnounced } from '../board/liveRegion.tsx'

/** Templates, grouping selected notes into a named theme, and local cluster suggestions. */
export function SenseMakingToolbar() {
  const { editor } = useBoardContext()
  const [menuOpen, setMenuOpen] = useState(false)
  const [naming, setNaming] = useState<TLShapeId[]>()
  const clusters = useClusterSuggestions(editor)
  const [asked, setAsked] = useState(false)
  const menuRef = useRef<HTMLDivElement>(null)
  const selectedNotes = useNoteIds(editor, 'selected', { withDrafts: true })

  useEffect(() => {
    if (!menuOpen) return
    menuRef.current?.querySelector('button')?.focus()
    const close = (e: PointerEvent) => {
      if (!menuRef.current?.parentElement?.contains(e.target as Node)) setMenuOpen(false)
    }
    window.addEventListener('pointerdown', close)
    return () => window.removeEventListener('pointerdown', close)
  }, [menuOpen])

  const menuKeys = (e: KeyboardEvent) => {
    const items = [...(menuRef.current?.querySelectorAll('button') ?? [])]
    const at = items.indexOf(document.activeElement as HTMLButtonElement)
    if (e.key === 'Escape') setMenuOpen(false)
    else if (e.key === 'ArrowDown') items[(at + 1) % items.length]?.focus()
    else if (e.key === 'ArrowUp') items[(at - 1 + items.length) % items.length]?.focus()
    else return
    e.preventDefault()
  }

  return (
    <>
      <div className="sm-toolbar" role="toolbar" aria-label="Sense-making">
        <div className="sm-menu-anchor">
          <button aria-haspopup="menu" aria-expanded={menuOpen} onClick={() => setMenuOpen((open) => !open)}>
            Templates <Icon name="caretDown" />
          </button>
          {menuOpen && (
            <div className="sm-panel sm-menu" role="menu" ref={menuRef} onKeyDown={menuKeys}>
              {TEMPLATES.map((t) => (
                <button
                  key={t.id}
                  role="menuitem"
                  onClick={() => {
                    insertTemplate(editor, t)
                    setMenuOpen(false)
                    editor.focus()
                  }}
                >
                  <strong>{t.title}</strong>
                  <span className="muted">{t.description}</span>
                </button>
              ))}
            </div>
          )}
        </div>
        <button
          disabled={selectedNotes.length === 0}
          onClick={() => setNaming(selectedNotes)}
          title="Wrap the selected sticky notes in a named frame"
        >
          Group{selectedNotes.length ? ` ${selectedNotes.length} note${selectedNotes.length > 1 ? 's' : ''}` : ''}
        </button>
        <button
          onClick={() => {
            setAsked(true)
            clusters.suggest()
          }}
          title="Find notes that mean similar things, computed on this device"
        >
          Suggest clusters
        </button>
        {asked && <ClusterStatus clusters={clusters} />}
      </div>
      {naming && (
        <NameGroup
          count={naming.length}
          onCancel={() => setNaming(undefined)}
          onSave={(name) => {
            groupNotes(editor, naming, name)
            setNaming(undefined)
            editor.focus()
          }}
        />
      )}
      <SuggestionOverlay
        suggestions={clusters.suggestions}
        onAccept={(s, label) => {
          groupNotes(editor, s.ids, label, { pack: true })
          clusters.drop(s)
          editor.focus()
        }}
        onDismiss={clusters.drop}
      />
    </>
  )
}

/** How the suggestions stand, the progress of a long run, and the "How similar?" slider. */
function ClusterStatus({ clusters }: { clusters: ClusterState & { regroup(similarity: number): void } }) {
  const { suggestions, progress, busy, method, similarity, error } = clusters
  const n = suggestions.length
  const message = error
    ? error
    : busy && progress !== undefined
      ? 'Comparing notes…'
      : busy
        ? ''
        : n
          ? `${n} suggested cluster${n > 1 ? 's' : ''} shown on the board${method === 'words' ? ' (by shared words)' : ''}`
          : 'No similar notes to cluster'
  useAnnounced(message)
  return (
    <>
      {busy && progress !== undefined && <progress className="sm-progress" aria-label="Finding clusters" value={progress} max={1} />}
      <span className="sm-message">{message}</span>
      <label className="sm-similar" title="Higher: only notes that are very alike are grouped">
        How similar?
        <input
          type="range"
          min={0.05}
          max={0.65}
          step={0.05}
          value={similarity}
          disabled={busy && progress !== undefined}
          onChange={(e) => clusters.regroup(Number(e.target.value))}
        />
      </label>
    </>
  )
}

function NameGroup({ count, onSave, onCancel }: { count: number; onSave(name: string): void; onCancel(): void }) {
  const [name, setName] = useState('')
  return (
    <form
      className="sm-panel sm-name"
      aria-label="Name the group"
      onSubmit={(e) => {
        e.preventDefault()
        onSave(name.trim() || 'Theme')
      }}
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
    >
      <label>
        Name this group of {count} note{count > 1 ? 's' : ''}
        <input autoFocus value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Customer trust" />
      </label>
      <FormActions submitLabel="Group" onCancel={onCancel} />
    </form>
  )
}

/**
 * Suggestions are drawn over the canvas on this device only: nothing reaches the shared doc
 * until someone accepts one.
 */
function SuggestionOverlay({
  suggestions,
  onAccept,
  onDismiss,
}: {
  suggestions: Suggestion[]
  onAccept(s: Suggestion, label: string): void
  onDismiss(s: Suggestion): void
}) {
  const { editor } = useBoardContext()
  const boxes = useValue(
    'suggestion boxes',
    () =>
      suggestions.map((s) => {
        const ids = s.ids.filter((id) => editor.getShape(id))
        const bounds = ids.length > 1 ? editor.getShapesPageBounds(ids) : null
        if (!bounds) return null
        const topLeft = editor.pageToViewport({ x: bounds.minX, y: bounds.minY })
        const zoom = editor.getZoomLevel()
        return { x: topLeft.x - 8, y: topLeft.y - 8, w: bounds.w * zoom + 16, h: bounds.h * zoom + 16 }
      }),
    [editor, suggestions],
  )
  return (
    <div className="sm-overlay">
      {suggestions.map((s, i) =>
        boxes[i] ? <SuggestionBox key={s.key} suggestion={s} box={boxes[i]} onAccept={onAccept} onDismiss={onDismiss} /> : null,
      )}
    </div>
  )
}

function SuggestionBox({
  suggestion,
  box,
  onAccept,
  onDismiss,
}: {
  suggestion: Suggestion
  box: { x: number; y: number; w: number; h: number }
  onAccept(s: Suggestion, label: string): void
  onDismiss(s: Suggestion): void
}) {
  const [label, setLabel] = useState(suggestion.label)
  return (
    <div className="sm-suggestion" style={{ left: box.x, top: box.y, width: box.w, height: box.h }} data-suggestion={suggestion.label}>
      <form
        className="sm-suggestion-bar"
        aria-label={`Suggested cluster: ${suggestion.label}`}
        onSubmit={(e) => {
          e.preventDefault()
          onAccept(suggestion, label.trim() || suggestion.label)
        }}
      >
        <input aria-label="Cluster name" value={label} onChange={(e) => setLabel(e.target.value)} size={Math.max(8, label.length)} />
        <button type="submit" className="primary">
          Accept
        </button>
        <button type="button" onClick={() => onDismiss(suggestion)}>
          Dismiss
        </button>
      </form>
    </div>
  )
}

import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import {
  Tldraw,
  DefaultMainMenu,
  DefaultStylePanel,
  EditSubmenu,
  ExtrasGroup,
  PreferencesGroup,
  ViewSubmenu,
  PeopleMenu,
  TldrawUiMenuGroup,
  TldrawUiMenuItem,
  useTldrawCurrentUser,
  useEditor,
  useValue,
  type Editor,
  type TLComponents,
  type TLUserPreferences,
} from 'tldraw'
import { getAssetUrlsByImport } from '@tldraw/assets/imports.vite'
import 'tldraw/tldraw.css'
import { useBoard, type ConnectionState } from '../sync/useBoard.ts'
import { loadParticipant, saveParticipant, type Participant } from '../identity.ts'
import { rememberBoard } from '../recentBoards.ts'
import { NameDialog } from './NameDialog.tsx'
import { ShareDialog } from './ShareDialog.tsx'
import { BoardContext, useBoardContext, type BoardContextValue } from './BoardContext.tsx'
import { useLanding } from './viewport.ts'
import { SenseMakingToolbar } from '../sensemaking/SenseMakingToolbar.tsx'
import { ParticipationPanel } from '../sensemaking/ParticipationPanel.tsx'
import { FacilitationPanels } from '../facilitation/FacilitationPanels.tsx'
import { ExportDialog } from '../export/ExportDialog.tsx'
import { ImportDialog } from '../export/ImportDialog.tsx'
import { SnapshotsDialog } from '../export/SnapshotsDialog.tsx'
import { AboutDialog } from './AboutDialog.tsx'
import { ServerClockProvider } from './serverClock.tsx'
import { useColorsTaken } from './useColorsTaken.ts'
import { leastUsedColor } from '@roundtable/shared'
import { usePrivacyPanels } from '../privacy/PrivacyDock.tsx'
import { OutcomesLayer } from '../outcomes/OutcomesLayer.tsx'
import { licenseKey } from '../runtimeConfig.ts'
import { ConnectionNotice } from '../sync/ConnectionNotice.tsx'
import { BoardAnnouncements, LiveRegion, useAnnounced } from './liveRegion.tsx'

// Fonts, icons and translations are bundled by Vite and served by our own server (no CDN).
const assetUrls = getAssetUrlsByImport()

const PREFS_KEY = 'roundtable:tldraw-preferences'

function loadPreferences(): Partial<TLUserPreferences> {
  try {
    return JSON.parse(localStorage.getItem(PREFS_KEY) ?? '{}')
  } catch {
    return {}
  }
}

/** Tools that draw nothing: with one of them and nothing selected, the style panel has nothing to style. */
const NON_DRAWING_TOOLS = new Set(['select', 'hand', 'zoom', 'laser', 'eraser'])

/** tldraw's style panel, shown when it is of use: something is selected or a drawing tool is active. */
function StylePanelWhenUseful() {
  const editor = useEditor()
  const useful = useValue(
    'style panel of use',
    () => editor.getSelectedShapeIds().length > 0 || !NON_DRAWING_TOOLS.has(editor.getCurrentToolId()),
    [editor],
  )
  return useful ? <DefaultStylePanel /> : null
}

/** The board menu's dialogs; one at a time. */
type BoardDialog = 'export' | 'import' | 'snapshots' | 'about'

const CONNECTION_LABEL: Record<ConnectionState, string> = {
  connected: 'Connected',
  connecting: 'Reconnecting…',
  offline: 'Offline — changes are kept on this device',
}

/** `boardId` is the board's id, or its view token when `viewOnly` (the edit id is then unknown). */
export function BoardPage({ boardId, viewOnly = false }: { boardId: string; viewOnly?: boolean }) {
  const [sharing, setSharing] = useState(false)
  const [participant, setParticipant] = useState<Participant>(loadParticipant)
  const [prefs, setPrefs] = useState<Partial<TLUserPreferences>>(loadPreferences)
  const [askName, setAskName] = useState(!participant.named)
  const [editor, setEditor] = useState<Editor>()
  const [dialog, setDialog] = useState<BoardDialog>()
  const { storeWithStatus, connection, newerDocReason, provider } = useBoard(boardId, participant, viewOnly)

  useEffect(() => {
    if (!viewOnly) rememberBoard(boardId)
  }, [boardId, viewOnly])

  const updateParticipant = useCallback((next: Participant) => {
    saveParticipant(next)
    setParticipant(next)
  }, [])

  // A newcomer starts on the board's least used colour, once the board has synced.
  const { taken, synced } = useColorsTaken(provider, participant.id)
  const suggestedColor = leastUsedColor(taken, participant.id)
  const defaulted = useRef(false)
  useEffect(() => {
    if (defaulted.current || participant.named || !synced) return
    defaulted.current = true
    if (suggestedColor !== participant.color) updateParticipant({ ...participant, color: suggestedColor })
  }, [participant, synced, suggestedColor, updateParticipant])

  // tldraw's own people menu edits the same name and colour as our dialog. The setter must keep
  // its identity: tldraw rebuilds its current user (and the editor) when it changes.
  const setUserPreferences = useCallback((next: TLUserPreferences) => {
    const { id: _id, name, color, ...rest } = next
    localStorage.setItem(PREFS_KEY, JSON.stringify(rest))
    setPrefs(rest)
    setParticipant((current) => {
      if ((!name || name === current.name) && (!color || color === current.color)) return current
      const updated = { ...current, name: name || current.name, color: color || current.color, named: true }
      saveParticipant(updated)
      return updated
    })
  }, [])
  const user = useTldrawCurrentUser({
    userPreferences: { ...prefs, id: participant.id, name: participant.name, color: participant.color },
    setUserPreferences,
  })

  const components = useMemo<TLComponents>(
    () => ({
      // The board menu: tldraw's own, with the board's files and snapshots first (our Export
      // replaces tldraw's "Export" submenu: same renderer, plus frame, scale and file formats).
      MainMenu: () => (
        <DefaultMainMenu>
          <TldrawUiMenuGroup id="roundtable-board">
            <TldrawUiMenuItem id="roundtable-export" label="Export…" readonlyOk onSelect={() => setDialog('export')} />
            <TldrawUiMenuItem id="roundtable-import" label="Import…" onSelect={() => setDialog('import')} />
            <TldrawUiMenuItem id="roundtable-history" label="Snapshots…" readonlyOk onSelect={() => setDialog('snapshots')} />
            {/* A view-only link does not know the board's id, so not its tag either. */}
            {!viewOnly && <TldrawUiMenuItem id="roundtable-about" label="About this board…" onSelect={() => setDialog('about')} />}
          </TldrawUiMenuGroup>
          <TldrawUiMenuGroup id="basic">
            <EditSubmenu />
            <ViewSubmenu />
            <ExtrasGroup />
          </TldrawUiMenuGroup>
          <PreferencesGroup />
        </DefaultMainMenu>
      ),
      StylePanel: StylePanelWhenUseful,
      SharePanel: () => (
        <div className="tlui-share-zone roundtable-share-zone" draggable={false}>
          <ConnectionBadge state={connection} />
          {viewOnly && (
            <span className="view-only-chip" title="Opened with a view-only link: you see changes live but cannot edit">
              View only
            </span>
          )}
          <button className="share-button" onClick={() => setSharing(true)} title="Share links to this board">
            Share
          </button>
          <button className="name-chip" onClick={() => setAskName(true)} title="Change your name and colour">
            <span className="dot" style={{ background: participant.color }} />
            {participant.name}
          </button>
          <PeopleMenu />
        </div>
      ),
    }),
    [connection, participant.name, participant.color, viewOnly],
  )

  const onMount = useCallback(
    (editor: Editor) => {
      // Attribution: every shape remembers which participant created it.
      const stop = editor.sideEffects.registerBeforeCreateHandler('shape', (shape, source) =>
        source === 'user' && !shape.meta.createdBy ? { ...shape, meta: { ...shape.meta, createdBy: participant.id } } : shape,
      )
      setEditor(editor)
      return stop
    },
    [participant.id],
  )

  // A client older than the board must not write records its schema cannot describe.
  useEffect(() => {
    if (editor && (newerDocReason || viewOnly)) editor.updateInstanceState({ isReadonly: true })
  }, [editor, newerDocReason, viewOnly])

  const closeDialog = () => {
    setDialog(undefined)
    editor?.focus()
  }

  const boardContext = useMemo<BoardContextValue | null>(
    () =>
      provider && editor ? { boardId, doc: provider.doc, awareness: provider.awareness, provider, participant, editor, viewOnly } : null,
    [boardId, provider, editor, participant, viewOnly],
  )

  return (
    <ServerClockProvider>
      <div className="board">
        <LiveRegion />
        {viewOnly && !newerDocReason && (
          <div className="banner banner-info" role="note">
            You are viewing this board with a view-only link: changes show live; you cannot edit.
          </div>
        )}
        {sharing && <ShareDialog boardId={boardId} viewOnly={viewOnly} onClose={() => setSharing(false)} />}
        <ConnectionNotice provider={provider} />
        {newerDocReason && (
          <div className="banner" role="alert">
            {newerDocReason} You are seeing it read-only. <button onClick={() => location.reload()}>Reload to update</button>
          </div>
        )}
        <Tldraw
          store={storeWithStatus}
          assetUrls={assetUrls}
          licenseKey={licenseKey}
          user={user}
          components={components}
          onMount={onMount}
        />
        {boardContext && (
          <BoardContext.Provider value={boardContext}>
            <BoardAnnouncements />
            {/* Panels read the board through useBoardContext(). */}
            {!viewOnly && <SenseMakingToolbar />}
            <BoardPanels />
            {dialog === 'export' && <ExportDialog onClose={closeDialog} />}
            {dialog === 'import' && <ImportDialog onClose={closeDialog} />}
            {dialog === 'snapshots' && <SnapshotsDialog onClose={closeDialog} />}
            {dialog === 'about' && <AboutDialog boardId={boardId} onClose={closeDialog} />}
            <OutcomesLayer />
          </BoardContext.Provider>
        )}
        {askName && (
          <NameDialog
            participant={participant}
            taken={taken}
            suggested={suggestedColor}
            onSave={(name, color) => {
              updateParticipant({ ...participant, name, color, named: true })
              setAskName(false)
            }}
            onCancel={() => {
              if (!participant.named) updateParticipant({ ...participant, color: suggestedColor, named: true })
              setAskName(false)
            }}
          />
        )}
      </div>
    </ServerClockProvider>
  )
}

/** Every panel in one dock (the privacy panels hide what a viewer cannot do themselves), and where the view starts. */
function BoardPanels() {
  const { editor, awareness, viewOnly } = useBoardContext()
  useLanding(editor, awareness, viewOnly)
  const privacy = usePrivacyPanels()
  return <FacilitationPanels others={[{ id: 'participation', label: 'Participation', content: <ParticipationPanel /> }, ...privacy]} />
}

function ConnectionBadge({ state }: { state: ConnectionState }) {
  useAnnounced(CONNECTION_LABEL[state])
  return (
    <div className={`connection connection-${state}`} data-connection={state}>
      <span className="dot" />
      {CONNECTION_LABEL[state]}
    </div>
  )
}

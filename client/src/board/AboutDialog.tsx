import { boardTag } from '@roundtable/shared'
import { Dialog } from '../export/Dialog.tsx'
import { LinkRow } from './ShareDialog.tsx'

/**
 * The board's tag: what the server's logs call this board instead of its id (which is the edit
 * link's key), so whoever runs the server can find this board's lines without being given the link.
 */
export function AboutDialog({ boardId, onClose }: { boardId: string; onClose: () => void }) {
  return (
    <Dialog title="About this board" onClose={onClose}>
      <LinkRow
        label="Board tag"
        hint="The server's logs name this board by this tag. Give it to whoever runs the server when asking about a problem; it does not reveal the board's links."
        value={boardTag(boardId)}
      />
    </Dialog>
  )
}

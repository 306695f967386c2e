import { useState } from 'react'
import { PARTICIPANT_COLORS } from '@roundtable/shared'
import type { Participant } from '../identity.ts'
import { FormActions } from './panelParts.tsx'

/**
 * Asked once per browser; reopened from the name chip. No account, just how others see you.
 * Colours others on the board hold are marked with their names; a newcomer starts on the least
 * used one (`suggested`) until they pick.
 */
export function NameDialog(props: {
  participant: Participant
  /** Colour (lower case) → names of the others on the board who hold it. */
  taken: ReadonlyMap<string, readonly string[]>
  suggested: string
  onSave: (name: string, color: string) => void
  onCancel: () => void
}) {
  const [name, setName] = useState(props.participant.named ? props.participant.name : '')
  const [picked, setPicked] = useState<string>()
  const color = picked ?? (props.participant.named ? props.participant.color : props.suggested)
  const trimmed = name.trim()
  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}>
      <form
        className="dialog"
        role="dialog"
        aria-labelledby="name-dialog-title"
        onSubmit={(e) => {
          e.preventDefault()
          props.onSave(trimmed || props.participant.name, color)
        }}
      >
        <h2 id="name-dialog-title">What should others call you?</h2>
        <p className="muted">Shown next to your cursor. Stored only in this browser.</p>
        <input
          autoFocus
          aria-label="Your name"
          placeholder={props.participant.name}
          maxLength={40}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <div className="colors" role="radiogroup" aria-label="Your colour">
          {PARTICIPANT_COLORS.map((c) => {
            const holders = props.taken.get(c) ?? []
            const label = holders.length ? `Colour ${c}, taken by ${holders.join(', ')}` : `Colour ${c}, free`
            return (
              <button
                type="button"
                key={c}
                role="radio"
                aria-checked={c === color}
                aria-label={label}
                title={holders.length ? `Taken by ${holders.join(', ')}` : 'Free'}
                data-taken-by={holders.join(', ')}
                className={`swatch${c === color ? ' selected' : ''}${holders.length ? ' taken' : ''}`}
                style={{ background: c }}
                onClick={() => setPicked(c)}
              >
                {holders.length > 0 && <span className="swatch-initial">{holders[0].trim().charAt(0).toUpperCase()}</span>}
              </button>
            )
          })}
        </div>
        {(props.taken.get(color)?.length ?? 0) > 0 && (
          <p className="muted name-color-note" role="status">
            {props.taken.get(color)!.join(', ')} also {props.taken.get(color)!.length === 1 ? 'uses' : 'use'} this colour.
          </p>
        )}
        <FormActions submitLabel="Join board" cancelLabel="Skip" onCancel={() => props.onCancel()} />
      </form>
    </div>
  )
}

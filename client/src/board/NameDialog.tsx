import { useState } from 'react'
import { PARTICIPANT_COLORS, type Participant } from '../identity.ts'
import { FormActions } from './panelParts.tsx'

/** Asked once per browser; reopened from the name chip. No account, just how others see you. */
export function NameDialog(props: { participant: Participant; onSave: (name: string, color: string) => void; onCancel: () => void }) {
  const [name, setName] = useState(props.participant.named ? props.participant.name : '')
  const [color, setColor] = useState(props.participant.color)
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
          {PARTICIPANT_COLORS.map((c) => (
            <button
              type="button"
              key={c}
              role="radio"
              aria-checked={c === color}
              aria-label={`Colour ${c}`}
              className={c === color ? 'swatch selected' : 'swatch'}
              style={{ background: c }}
              onClick={() => setColor(c)}
            />
          ))}
        </div>
        <FormActions submitLabel="Join board" cancelLabel="Skip" onCancel={props.onCancel} />
      </form>
    </div>
  )
}

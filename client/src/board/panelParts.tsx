import { useAnnounced } from './liveRegion.tsx'

/** Small pieces the panels and their forms share, so they look and behave alike. */

/** A form's Cancel (or `cancelLabel`) and submit buttons, submit last and primary. */
export function FormActions({
  submitLabel,
  onCancel,
  cancelLabel = 'Cancel',
}: {
  submitLabel: string
  onCancel(): void
  cancelLabel?: string
}) {
  return (
    <div className="actions">
      <button type="button" onClick={onCancel}>
        {cancelLabel}
      </button>
      <button type="submit" className="primary">
        {submitLabel}
      </button>
    </div>
  )
}

/** The optional timebox of a vote or a silent round, typed in minutes. */
export function TimeboxField({ value, onChange }: { value: string; onChange(value: string): void }) {
  return (
    <label>
      Timebox in minutes (empty: none)
      <input type="number" min="0" step="any" value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  )
}

/** What was typed in a TimeboxField: minutes, or null for none (empty, zero or not a number). */
export function timeboxMinutes(text: string): number | null {
  const m = Number(text)
  return text.trim() && m > 0 ? m : null
}

/** A timebox in minutes as the server takes it: milliseconds, or null for none. */
export const timeboxMs = (minutes: number | null) => (minutes ? Math.round(minutes * 60_000) : null)

/** A panel's status line: what just happened, also read out through the page's live region. */
export function StatusLine({ className, children }: { className: string; children: string }) {
  useAnnounced(children)
  return <p className={className}>{children}</p>
}

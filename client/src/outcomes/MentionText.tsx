import { mentionParts } from '@roundtable/shared'

/** A comment's text with `@Name` mentions of people on the board set apart, and those of the reader highlighted. */
export function MentionText({ text, names, me }: { text: string; names: string[]; me: string }) {
  return (
    <>
      {mentionParts(text, names).map((part, i) =>
        !part.mention ? (
          part.text
        ) : part.mention.toLowerCase() === me.toLowerCase() ? (
          <mark key={i} className="oc-mention oc-mention-me" title="Mentions you">
            {part.text}
          </mark>
        ) : (
          <strong key={i} className="oc-mention">
            {part.text}
          </strong>
        ),
      )}
    </>
  )
}

import { leastUsedColor, participantIdFromSecret } from '@roundtable/shared'

/**
 * Identity without accounts: each browser keeps a secret, the participant id derived from it
 * (public: awareness, attribution; the secret proves it to the server) and a chosen name and
 * colour.
 */
export interface Participant {
  id: string
  secret: string
  name: string
  color: string
  /** False until the person has chosen a name themselves. */
  named: boolean
}

const KEY = 'roundtable:participant'

function randomToken(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('')
}

export function loadParticipant(): Participant {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Participant> | null
    if (saved?.secret && saved.name && saved.color) {
      const id = participantIdFromSecret(saved.secret)
      // An id saved by a version that did not derive it from the secret is replaced.
      if (saved.id !== id) saveParticipant({ named: false, ...saved, id } as Participant)
      return { named: false, ...saved, id } as Participant
    }
  } catch {
    // A corrupt entry is replaced below.
  }
  const secret = randomToken(24)
  const id = participantIdFromSecret(secret)
  const fresh: Participant = {
    id,
    secret,
    name: `Guest ${Math.floor(Math.random() * 900 + 100)}`,
    // Until a board says which colours are taken (see BoardPage).
    color: leastUsedColor(new Map(), id),
    named: false,
  }
  saveParticipant(fresh)
  return fresh
}

export function saveParticipant(p: Participant) {
  localStorage.setItem(KEY, JSON.stringify(p))
}

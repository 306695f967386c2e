import { useId } from 'react'
import { createUserId, useValue } from 'tldraw'
import {
  activityOf,
  DRAFTS_AWARENESS_FIELD,
  INSTANCE_PRESENCE_FIELD,
  passBaton,
  putBatonDown,
  stepForward,
  type Actor,
  type BatonHolder,
  type PresentParticipant,
  type RaisedHand,
  raiseHand,
} from '@roundtable/shared'
import type { AwarenessView } from './hooks.ts'
import { useBoardContext } from '../board/BoardContext.tsx'
import { useNow, useServerClock } from '../board/serverClock.tsx'
import { Icon } from '../icons.tsx'

interface Props {
  me: Actor
  /** People with a hand up to take the baton, in queue order. */
  offers: RaisedHand[]
  people: PresentParticipant[]
  aware: AwarenessView
  holder: BatonHolder | undefined
  holderPresent: boolean
}

/** Who is here, who holds the baton, and following anyone's view with one click. */
export function PeoplePanel({ me, offers, people, aware, holder, holderPresent }: Props) {
  const { doc, editor, awareness } = useBoardContext()
  const myClientId = awareness.clientID
  const headingId = useId()
  // Re-rendered now and then so people turn idle without anyone moving.
  useNow(10_000)
  const clock = useServerClock()
  const followingUserId = useValue('following', () => editor.getInstanceState().followingUserId, [editor])
  const iHold = holder?.id === me.id
  // Activity is timed by the page clock, like everything compared (see useAwareness).
  const now = clock.now()

  // Whom each person follows, from their tldraw instance presence.
  const followsOf = (clientId: number) => {
    const presence = aware.states.get(clientId)?.[INSTANCE_PRESENCE_FIELD] as { followingUserId?: string | null } | null | undefined
    const target = presence?.followingUserId
    return target ? people.find((p) => createUserId(p.user.id) === target)?.user.name : undefined
  }

  return (
    <section className="fac-panel fac-people" aria-labelledby={headingId}>
      <h2 id={headingId} className="sr-only">
        People and baton
      </h2>
      <div className="fac-baton" data-baton-holder={holderPresent ? holder!.id : ''}>
        <span className="fac-baton-icon" aria-hidden>
          <Icon name="baton" />
        </span>
        <span className="fac-baton-text">
          {holder && holderPresent
            ? iHold
              ? 'You are facilitating'
              : `${holder.name} is facilitating`
            : holder
              ? `Baton free (${holder.name} left)`
              : 'Nobody is facilitating'}
        </span>
        {iHold ? (
          <button onClick={() => putBatonDown(doc, me, clock.now())}>Put it down</button>
        ) : (
          <button className="fac-primary" onClick={() => stepForward(doc, me, clock.now())}>
            Step forward
          </button>
        )}
      </div>
      {holder && holderPresent && !iHold && !offers.some((o) => o.id === me.id) && (
        <button className="fac-link" onClick={() => raiseHand(doc, me, clock.now(), { forBaton: true })}>
          <Icon name="hand" /> Raise hand to take the baton
        </button>
      )}
      {iHold &&
        offers.map((o) => (
          <div key={o.id} className="fac-offer" data-offer={o.name}>
            <span>
              <Icon name="hand" /> {o.name} offers to take the baton
            </span>
            <button className="fac-small" onClick={() => passBaton(doc, me, o, clock.now())}>
              Pass <Icon name="baton" />
            </button>
          </div>
        ))}
      <ul className="fac-people-list person-list">
        {people.map(({ clientId, user }) => {
          const isMe = user.id === me.id
          const activity = isMe
            ? 'active'
            : activityOf(aware.lastActive.get(clientId), now, !!aware.states.get(clientId)?.[DRAFTS_AWARENESS_FIELD])
          const idle = activity === 'idle'
          const following = followingUserId === createUserId(user.id)
          const follows = followsOf(clientId)
          return (
            <li key={user.id} data-person={user.name}>
              <span className="fac-dot" style={{ background: user.color, opacity: idle ? 0.4 : 1 }} aria-hidden />
              <span className="fac-person">
                <span className="fac-name">
                  {user.name}
                  {isMe && <span className="fac-muted"> (you)</span>}
                  {holder?.id === user.id && (
                    <span className="fac-holds" title="Holds the baton" role="img" aria-label="holds the baton">
                      <Icon name="baton" />
                    </span>
                  )}
                </span>
                <span className="fac-sub">
                  {activity === 'writing' ? 'in the silent round' : activity}
                  {follows && ` · following ${follows}`}
                </span>
              </span>
              {!isMe && clientId !== myClientId && (
                <span className="fac-row-actions">
                  {(iHold || !holder) && (
                    <button
                      className="fac-small"
                      onClick={() => passBaton(doc, me, { id: user.id, name: user.name }, clock.now())}
                      aria-label={`Pass the baton to ${user.name}`}
                    >
                      Pass <Icon name="baton" />
                    </button>
                  )}
                  <button
                    className="fac-small"
                    aria-pressed={following}
                    aria-label={following ? `Stop following ${user.name}` : `Follow ${user.name}`}
                    onClick={() => (following ? editor.stopFollowingUser() : editor.startFollowingUser(createUserId(user.id)))}
                  >
                    {following ? 'Following' : 'Follow'}
                  </button>
                </span>
              )}
            </li>
          )
        })}
      </ul>
      {followingUserId && <p className="fac-hint">Move the canvas to stop following.</p>}
    </section>
  )
}

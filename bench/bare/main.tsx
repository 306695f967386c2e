// Bare tldraw, the client benchmark's reference: the same records loaded locally into a store,
// no sync, no panels. Built by the bench into bench/.work/bare-dist; the bench inlines the
// records into the page it serves (a JSON script element), so there is nothing to fetch.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Tldraw, createTLStore, defaultBindingUtils, defaultShapeUtils, type TLRecord } from 'tldraw'
import { getAssetUrlsByImport } from '@tldraw/assets/imports.vite'
import 'tldraw/tldraw.css'

const assetUrls = getAssetUrlsByImport()

const records = JSON.parse(document.getElementById('bench-records')?.textContent ?? '[]') as TLRecord[]
const store = createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils })
store.mergeRemoteChanges(() => store.put(records))
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <div style={{ position: 'fixed', inset: 0 }}>
      <Tldraw store={store} assetUrls={assetUrls} />
    </div>
  </StrictMode>,
)

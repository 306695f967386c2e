// Bare tldraw, the client benchmark's reference: the same records loaded locally into a store,
// no sync, no panels. Built by the bench into bench/.work/bare-dist.
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { Tldraw, createTLStore, defaultBindingUtils, defaultShapeUtils, type TLRecord } from 'tldraw'
import { getAssetUrlsByImport } from '@tldraw/assets/imports.vite'
import 'tldraw/tldraw.css'

const assetUrls = getAssetUrlsByImport()

async function main() {
  const records = (await (await fetch('/records.json')).json()) as TLRecord[]
  const store = createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils })
  store.mergeRemoteChanges(() => store.put(records))
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <div style={{ position: 'fixed', inset: 0 }}>
        <Tldraw store={store} assetUrls={assetUrls} />
      </div>
    </StrictMode>,
  )
}
main()

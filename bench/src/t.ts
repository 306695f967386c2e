import { createTLStore, defaultShapeUtils, defaultBindingUtils, getIndices, toRichText } from 'tldraw'
const store = createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils })
console.log(Object.keys(store.getStoreSnapshot().store), getIndices(3), JSON.stringify(toRichText('hi')))

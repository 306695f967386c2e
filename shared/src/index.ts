export * from './boardId.ts'
export * from './protocol.ts'
export * from './boardDoc.ts'
export * from './limits.ts'

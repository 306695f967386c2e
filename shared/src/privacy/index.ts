export * from './protocol.ts'
export * from './voting.ts'
export * from './brainstorm.ts'
export * from './identity.ts'

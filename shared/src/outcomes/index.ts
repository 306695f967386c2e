export * from './validate.ts'
export * from './comments.ts'
export * from './decisions.ts'

/** Files Vite bundles and serves from our own server, imported for their URL. */
declare module '*?url' {
  const url: string
  export default url
}

// wrangler (and the vitest plugin) turn `import x from './m.wasm'` into a compiled module.
declare module '*.wasm' {
  const module: WebAssembly.Module
  export default module
}

import { clientRuns } from './workloads/client.ts'
process.setMaxListeners(0)
console.log(JSON.stringify(await clientRuns({ stickies: Number(process.argv[2] ?? 2000), runs: 2, panMs: 3000 })))
process.exit(0)

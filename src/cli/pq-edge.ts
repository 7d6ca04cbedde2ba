#!/usr/bin/env node
// The `pq-edge` executable (package.json "bin"): emitted as dist/cli/pq-edge.js, executable.
import { main } from './main.ts'

process.exitCode = await main(process.argv.slice(2))

import { startEmbeddedPostgres } from "/work/wt-replicas/scripts/embedded-postgres.mjs";
let t = Date.now();
const p = await startEmbeddedPostgres();
console.log("primary", Date.now() - t); t = Date.now();
await p.stop();
console.log("stop", Date.now() - t);

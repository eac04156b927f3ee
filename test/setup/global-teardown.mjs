export default async function globalTeardown() {
  const server = globalThis.__UNITWORK_EMBEDDED_PG__;
  if (!server) return;
  delete process.env.DATABASE_URL;
  await server.stop();
}

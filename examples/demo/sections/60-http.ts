import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { createServiceApp } from "../../service";
import type { TourSection } from "../tour-kit";

/**
 * HTTP: the example service (Express, one unit of work and one DI container per request) on an
 * ephemeral port, driven with fetch: 10 concurrent deploys of one function, a mapped error, and the
 * request's Server-Timing. Creates its own data (user http-*@tour.dev).
 */
const section: TourSection = async (tour) => {
  tour.heading("HTTP: one unit of work per request (the example service)");
  const server = createServiceApp(tour.uw).listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, timing: res.headers.get("server-timing"), body: (await res.json()) as any };
  };
  try {
    const user = await call("POST", "/users", { email: "http-ada@tour.dev", password: "correct horse" });
    tour.show(`POST /users → ${user.status} (no id, no password hash)`, user.body);
    const fn = await call("POST", "/functions", { ownerUuid: user.body.uuid, name: "http-resize" });
    tour.say(`POST /functions → ${fn.status} ${fn.body.name}`);

    const deploys = await Promise.all(Array.from({ length: 10 }, (_, i) => call("POST", `/functions/${fn.body.uuid}/deployments`, { imageTag: `resize:${i}` })));
    const versions = deploys.map((d) => d.body.version).sort((a, b) => a - b);
    tour.say(`10 concurrent POST /functions/:uuid/deployments → statuses ${[...new Set(deploys.map((d) => d.status))].join(",")}, versions ${versions[0]}..${versions.at(-1)} (${new Set(versions).size} distinct)`);
    tour.say(`one deploy's Server-Timing: ${deploys[0]!.timing}`);
    const read = await call("GET", `/functions/${fn.body.uuid}`);
    const active = read.body.deployments.filter((d: { isActive: boolean }) => d.isActive).map((d: { version: number }) => d.version);
    tour.say(`GET /functions/:uuid (read back): ${read.body.deployments.length} deployments, active: [${active.join(", ")}]`);

    const dup = await call("POST", "/users", { email: "http-ada@tour.dev" });
    tour.show(`POST /users with a taken email → ${dup.status}`, dup.body.error);
    const bad = await call("GET", "/functions?filter[passwordHash]=x");
    tour.show(`GET /functions?filter[passwordHash]=x → ${bad.status}`, { code: bad.body.error.code, message: bad.body.error.message });
  } finally {
    server.closeAllConnections();
    server.close();
  }
};

export default section;

// Adds lock entries for platform-specific optional dependencies that npm left out of package-lock.json.
//
// The registry this project installs from serves only some platforms' builds of packages such as
// @swc/core-* and @unrs/resolver-binding-*. npm then writes a lockfile without the others, and
// `npm ci` refuses that lockfile ("Missing: @swc/core-darwin-arm64@ from lock file"). An optional
// package for another platform is never fetched, so an entry naming its version, os and cpu is all
// `npm ci` needs. Run after changing dependencies: `npm run lockfile:complete`.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;

const OS = ["darwin", "linux", "win32", "android", "freebsd", "openharmony", "sunos", "aix", "netbsd", "openbsd"];
const CPU = ["arm64", "x64", "ia32", "arm", "ppc64", "s390x", "riscv64", "loong64", "wasm32"];

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p));
  const libcPart = parts.find((p) => p.startsWith("gnu") || p.startsWith("musl"));
  const platform = {};
  if (os) platform.os = [os];
  if (cpu) platform.cpu = [cpu];
  if (os === "linux" && libcPart) platform.libc = [libcPart.startsWith("musl") ? "musl" : "glibc"];
  return platform;
}

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    // node resolution: the dependency sits next to its parent, or higher up
    const base = location ? `${location}/node_modules/` : "node_modules/";
    const candidates = [`${base}${name}`, `node_modules/${name}`];
    if (candidates.some((c) => packages[c])) continue;
    const platform = platformOf(name);
    if (!platform.os && !platform.cpu) continue; // not a platform build: leave it to npm
    packages[`node_modules/${name}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
    added++;
  }
}

lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform-specific optional entr${added === 1 ? "y" : "ies"} added`);

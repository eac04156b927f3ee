// Packs the package as it would be published (`npm pack`, which builds it through `prepack`), installs
// the tarball into a scratch app that has only public dependencies and TypeScript 5, type-checks the
// app under every moduleResolution with `strict` and `skipLibCheck: false`, and runs it on PostgreSQL.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "../support/test-database";
import { APP_TS, ESM_CHECK_MTS, ESM_RUN_MJS, PEERS, RESOLUTIONS, TYPES_FOR_ADAPTERS, tsconfig, type Resolution } from "./scratch-app";

const ROOT = join(__dirname, "..", "..");
const KEEP = process.env.UNITWORK_KEEP_SCRATCH === "1";

interface Ran {
  code: number | null;
  output: string;
}

// npm run sets npm_* variables (npm_config_local_prefix among them) that would point a child npm at
// this repo; the child keeps only the ones that say where the cache and the registry are.
const KEPT_NPM_VARS = new Set(["npm_config_cache", "npm_config_registry", "npm_config_userconfig", "npm_config_globalconfig"]);
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || KEPT_NPM_VARS.has(k.toLowerCase())));

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = childEnv, timeoutMs = 180_000): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: -1, output: `${output}\n${String(error)}` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** At most two compilers at a time: the machine has two cores. */
function limit(concurrency: number) {
  let active = 0;
  const queue: (() => void)[] = [];
  return async <R>(fn: () => Promise<R>): Promise<R> => {
    if (active >= concurrency) await new Promise<void>((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

const installedVersion = (name: string) => (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
const ROOT_PACKAGE = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { peerDependencies: Record<string, string>; devDependencies: Record<string, string> };
/** The TypeScript 5 that `npm ci` brought in for TypeDoc (tools/typedoc), so it is in the npm cache. */
const TYPESCRIPT_5 = (JSON.parse(readFileSync(join(ROOT, "tools", "typedoc", "package.json"), "utf8")) as { devDependencies: { typescript: string } }).devDependencies.typescript;

const TS7_RESOLUTIONS: Resolution[] = ["node16", "nodenext", "bundler"];

const CHECK_FILES: Record<Resolution, string[]> = {
  node10: ["src/app.ts"],
  node16: ["src/app.ts"],
  nodenext: ["src/app.ts", "src/esm-check.mts"],
  bundler: ["src/app.ts"],
};

describe("the npm pack tarball in a scratch app", () => {
  let work: string;
  let app: string;
  let tarball: string;
  let dbA: TestDatabase | undefined;
  let dbB: TestDatabase | undefined;
  const checks = new Map<string, Promise<Ran>>();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "unitwork-pack-"));
    app = join(work, "app");
    await mkdir(join(app, "src"), { recursive: true });
    [dbA, dbB] = await Promise.all([createTestDatabase("pack_a"), createTestDatabase("pack_b")]);

    const packed = await run("npm", ["pack", "--pack-destination", work, "--loglevel=error"], ROOT);
    const tgz = readdirSync(work).find((f) => f.endsWith(".tgz"));
    if (packed.code !== 0 || !tgz) throw new Error(`npm pack failed (exit ${packed.code}):\n${packed.output}`);
    tarball = join(work, tgz);

    const dependencies: Record<string, string> = { unitwork: `file:${tarball}` };
    for (const name of PEERS) dependencies[name] = installedVersion(name);
    const devDependencies: Record<string, string> = { typescript: TYPESCRIPT_5 };
    for (const name of TYPES_FOR_ADAPTERS) devDependencies[name] = installedVersion(name);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "unitwork-scratch-app", version: "0.0.0", private: true, dependencies, devDependencies }, null, 2));
    writeFileSync(join(app, "src", "app.ts"), APP_TS);
    writeFileSync(join(app, "src", "esm-check.mts"), ESM_CHECK_MTS);
    writeFileSync(join(app, "esm-run.mjs"), ESM_RUN_MJS);
    for (const [name, options] of Object.entries(RESOLUTIONS) as [Resolution, (typeof RESOLUTIONS)[Resolution]][]) {
      // node10 also emits the app (CommonJS) that the last test runs
      const emit = name === "node10" ? { noEmit: false, outDir: "build", rootDir: "src" } : { noEmit: true };
      writeFileSync(join(app, `tsconfig.${name}.json`), tsconfig({ ...options, ...emit }, CHECK_FILES[name]));
    }

    const installed = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], app);
    if (installed.code !== 0) throw new Error(`npm install of the tarball failed (exit ${installed.code}):\n${installed.output}`);

    // the app's own TypeScript 5, and this repo's TypeScript 7 (which has no node10 any more)
    const tsc5 = join(app, "node_modules", "typescript", "bin", "tsc");
    const tsc7 = join(ROOT, "node_modules", "typescript", "bin", "tsc");
    const slot = limit(2);
    for (const name of Object.keys(RESOLUTIONS) as Resolution[]) {
      checks.set(`5:${name}`, slot(() => run(process.execPath, [tsc5, "-p", `tsconfig.${name}.json`, "--pretty", "false"], app)));
    }
    for (const name of TS7_RESOLUTIONS) {
      checks.set(`7:${name}`, slot(() => run(process.execPath, [tsc7, "-p", `tsconfig.${name}.json`, "--pretty", "false", "--noEmit"], app)));
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled(checks.values());
    await Promise.all([dbA?.drop(), dbB?.drop()]);
    if (work && !KEEP) rmSync(work, { recursive: true, force: true });
    else if (work) console.log(`scratch app kept in ${work}`);
  }, 300_000);

  test("the app's TypeScript is 5.x, and its peers are the versions this repo tests", () => {
    const version = (JSON.parse(readFileSync(join(app, "node_modules", "typescript", "package.json"), "utf8")) as { version: string }).version;
    expect(version).toMatch(/^5\./);
    for (const name of PEERS) expect(ROOT_PACKAGE.devDependencies[name]).toBe(ROOT_PACKAGE.peerDependencies[name]);
  });

  test("the tarball holds dist, LICENSE, README and package.json, and its source maps carry their sources", () => {
    const pkg = join(app, "node_modules", "unitwork");
    for (const file of ["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.d.ts", "dist/http/express.d.ts", "dist/testing/index.d.ts"]) {
      expect([file, existsSync(join(pkg, file))]).toEqual([file, true]);
    }
    expect(existsSync(join(pkg, "src"))).toBe(false);
    const files = (readdirSync(join(pkg, "dist"), { recursive: true }) as string[]).map((f) => f.replace(/\\/g, "/"));
    expect(files.filter((f) => f.endsWith(".d.ts.map"))).toEqual([]);
    const withoutSources = files.filter((f) => f.endsWith(".js.map")).filter((f) => {
      const map = JSON.parse(readFileSync(join(pkg, "dist", f), "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
      return !map.sourcesContent || map.sourcesContent.length !== map.sources.length || map.sourcesContent.some((s) => typeof s !== "string");
    });
    expect(withoutSources).toEqual([]);
  });

  test("one copy of TypeORM and its siblings: the peers are not installed under unitwork", () => {
    const nested = join(app, "node_modules", "unitwork", "node_modules");
    const copies = PEERS.filter((name) => existsSync(join(nested, name)));
    expect(copies).toEqual([]);
  });

  test.each(Object.keys(RESOLUTIONS) as Resolution[])("TypeScript 5 type-checks the root and every subpath under moduleResolution %s (strict, skipLibCheck false)", async (name) => {
    const result = await checks.get(`5:${name}`)!;
    // tsc prints nothing on success: on failure the diff shows its errors
    expect(`${name}: exit ${result.code}\n${result.output}`).toBe(`${name}: exit 0\n`);
  }, 300_000);

  test.each(TS7_RESOLUTIONS)("TypeScript 7 type-checks the root and every subpath under moduleResolution %s (strict, skipLibCheck false)", async (name) => {
    const result = await checks.get(`7:${name}`)!;
    expect(`${name}: exit ${result.code}\n${result.output}`).toBe(`${name}: exit 0\n`);
  }, 300_000);

  test("runs as an ES module: every named import is there", async () => {
    const ran = await run(process.execPath, ["esm-run.mjs"], app, childEnv, 60_000);
    expect(`exit ${ran.code}\n${ran.output}`).toBe(`exit 0\nESM []\n`);
  }, 60_000);

  test("runs: writes and reads a row; a second unitwork in the process leaves the first alone", async () => {
    await checks.get("5:node10"); // it emitted build/app.js
    expect(existsSync(join(app, "build", "app.js"))).toBe(true);
    const ran = await run(process.execPath, ["build/app.js"], app, { ...childEnv, DATABASE_URL: dbA!.url, DATABASE_URL_B: dbB!.url }, 60_000);
    const line = ran.output.split("\n").find((l) => l.startsWith("RESULT "));
    if (ran.code !== 0 || !line) throw new Error(`the app failed (exit ${ran.code}):\n${ran.output}`);
    const result = JSON.parse(line.slice("RESULT ".length)) as Record<string, unknown>;
    expect(result).toEqual({
      readBack: "a1",
      // inside A's open unit of work: A sees its own uncommitted row, and B's units ran on their own
      insideA: { a: ["a1", "a2"], bActiveHere: false },
      seenA: ["a1", "a2", "a3"],
      seenB: ["b1", "b2", "b3"],
      seenBAfterClose: ["b1", "b2", "b3", "b4"],
      healthAfterOtherClosed: true,
      transactional: "a,b",
      adapters: ["function", "function", "function", "function", "function", "object", "function", "function", "function", "function"],
      unitworkError: "function",
    });
  }, 120_000);
});

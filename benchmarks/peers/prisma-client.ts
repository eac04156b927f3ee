import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const ROOT = join(__dirname, "..", "..");
/** Where the generated client goes (git-ignored), made at bench start. */
const WORK = join(ROOT, ".bench-prisma");
export const PRISMA_OUT = join(WORK, "client");
const SCHEMA = join(__dirname, "prisma", "schema.prisma");

/**
 * Generates the Prisma client offline: `prisma generate` needs no engine (Prisma 7's client is
 * Rust-free and the generator runs as WebAssembly), but the CLI still tries to download the schema
 * engine (for migrations) before running any command and fails without a network. Pointing
 * PRISMA_SCHEMA_ENGINE_BINARY at a stub that refuses to run satisfies that check; generate never
 * calls it. The generated TypeScript is then compiled to CommonJS with swc, so that plain node,
 * @swc/register and jest all load it the same way. Skipped when the schema has not changed.
 */
export async function generatePrismaClient(): Promise<string> {
  const schema = readFileSync(SCHEMA, "utf8");
  const stamp = join(WORK, "schema.stamp");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === schema && existsSync(join(PRISMA_OUT, "client.js"))) return PRISMA_OUT;
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const stub = join(WORK, "no-schema-engine.sh");
  writeFileSync(stub, '#!/bin/sh\necho "no schema engine here: the benchmark only runs prisma generate" >&2\nexit 1\n');
  chmodSync(stub, 0o755);
  const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? stub, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" };
  const cli = join(ROOT, "node_modules", "prisma", "build", "index.js");
  try {
    await promisify(execFile)(process.execPath, [cli, "generate", "--schema", SCHEMA], { env, cwd: ROOT, maxBuffer: 1 << 22 });
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`prisma generate failed: ${(stderr || stdout || String(error)).trim().split("\n").slice(-3).join(" ")}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const swc = require("@swc/core") as typeof import("@swc/core");
  const compile = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) compile(file);
      else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) {
        const { code } = swc.transformFileSync(file, { swcrc: false, jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } });
        writeFileSync(file.replace(/\.ts$/, ".js"), code);
      }
    }
  };
  compile(PRISMA_OUT);
  writeFileSync(stamp, schema);
  return PRISMA_OUT;
}

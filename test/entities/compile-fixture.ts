import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { transformSync } from "@swc/core";

/**
 * The compiler settings users have for decorated entities. `swc` and `swc-define` are @swc/core with
 * legacy decorators and decorator metadata, without and with `useDefineForClassFields`; `tsc-es2022`
 * is TypeScript with `target: ES2022` (so `useDefineForClassFields` is true, as for any newer target),
 * `tsc-es2019` the older default (false).
 */
export const COMPILE_MODES = ["swc", "swc-define", "tsc-es2022", "tsc-es2019"] as const;
export type CompileMode = (typeof COMPILE_MODES)[number];

/** Whether a mode gives class fields define semantics (every declared field an own property). */
export function definesClassFields(mode: CompileMode): boolean {
  return mode === "swc-define" || mode === "tsc-es2022";
}

function compile(file: string, mode: CompileMode): string {
  const source = readFileSync(file, "utf8");
  if (mode === "swc" || mode === "swc-define") {
    return transformSync(source, {
      filename: file,
      jsc: {
        parser: { syntax: "typescript", decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: mode === "swc-define" },
        target: "es2022",
        keepClassNames: true,
      },
      module: { type: "commonjs" },
    }).code;
  }
  const out = mkdtempSync(join(tmpdir(), "uw-tsc-"));
  try {
    const tsc = resolve(__dirname, "../../node_modules/.bin/tsc");
    const target = mode === "tsc-es2022" ? "ES2022" : "ES2019";
    execFileSync(tsc, ["--ignoreConfig", "--outDir", out, "--target", target, "--module", "commonjs", "--experimentalDecorators", "--emitDecoratorMetadata", "--skipLibCheck", "--strict", "--types", "node", file], { stdio: "pipe" });
    return readFileSync(join(out, basename(file).replace(/\.ts$/, ".js")), "utf8");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Compiles a fixture module with `mode` and loads it through jest's module system (so it shares the
 * test's `typeorm`, `class-validator` and `reflect-metadata`) as a fresh module: its classes are new
 * ones, so several modes can be loaded in one test file. The compiled file sits beside the fixture
 * (so its imports resolve) only while it is loaded.
 */
export function loadCompiled<M>(file: string, mode: CompileMode): M {
  const code = compile(file, mode);
  const folder = join(dirname(file), ".compiled");
  mkdirSync(folder, { recursive: true });
  const filename = join(folder, `${basename(file, ".ts")}.${mode}.${randomBytes(4).toString("hex")}.js`);
  writeFileSync(filename, code.replace(/require\("\.\//g, 'require("../'));
  try {
    return require(filename) as M;
  } finally {
    rmSync(filename, { force: true });
  }
}

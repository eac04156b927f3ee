// The files of the scratch app that packed-tarball.test.ts installs the `npm pack` tarball into.
// They are strings, not .ts files of this repo: they import "unitwork" as a user does, and the
// repo's own type-check must not see them.

/** The app's public dependencies, besides the tarball: pinned to the versions this repo tests with. */
export const PEERS = ["typeorm", "pg", "reflect-metadata", "tsyringe", "class-validator"] as const;
/** Types the adapters' declarations need (express and koa ship none; fastify ships its own). */
export const TYPES_FOR_ADAPTERS = ["@types/node", "@types/express", "@types/koa", "fastify"] as const;

/** The settings the app is type-checked under: every one with `strict` and `skipLibCheck: false`. */
export const RESOLUTIONS = {
  node10: { module: "commonjs", moduleResolution: "node10" },
  node16: { module: "node16", moduleResolution: "node16" },
  nodenext: { module: "nodenext", moduleResolution: "nodenext" },
  bundler: { module: "esnext", moduleResolution: "bundler" },
} as const;
export type Resolution = keyof typeof RESOLUTIONS;

export function tsconfig(compilerOptions: Record<string, unknown>, files: string[]): string {
  return JSON.stringify(
    {
      compilerOptions: {
        target: "es2022",
        lib: ["es2023"],
        strict: true,
        skipLibCheck: false,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
        types: ["node"],
        ...compilerOptions,
      },
      files,
    },
    null,
    2,
  );
}

/**
 * Imports the root and every subpath; at run time it writes and reads a row, and shows that a second
 * unitwork in the same process leaves the first alone. Prints one `RESULT {json}` line.
 */
export const APP_TS = `import "reflect-metadata";
import { IsInt, IsOptional, IsString } from "class-validator";
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from "typeorm";
import { createUnitwork, Transactional, UnitworkError, type Unitwork, type UnitworkLogger, type UnitOfWorkContext } from "unitwork";
import { expressErrorHandler, expressHandler, type ExpressScopedHandler } from "unitwork/express";
import { fastifyErrorHandler, fastifyHandler, unitworkPlugin, type UnitworkPluginOptions } from "unitwork/fastify";
import { koaErrorHandler, koaHandler, koaUnitOfWork } from "unitwork/koa";
import { expectNoNPlusOne, expectQueryCount, type QueryCountExpectation } from "unitwork/testing";

// A plain TypeORM entity (no unitwork base class). Its properties carry class-validator rules:
// create() validates with whitelist + forbidNonWhitelisted, so a property without one is refused.
@Entity({ name: "scratch_note" })
export class Note {
  @PrimaryGeneratedColumn()
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "text" })
  @IsString()
  body!: string;
}

const quiet: UnitworkLogger = { debug() {}, info() {}, warn() {}, error() {} };

async function open(url: string | undefined): Promise<Unitwork> {
  if (!url) throw new Error("DATABASE_URL and DATABASE_URL_B must be set");
  const dataSource = new DataSource({ type: "postgres", url, entities: [Note], synchronize: true });
  return createUnitwork({ dataSource, logger: quiet });
}

async function bodies(ctx: UnitOfWorkContext): Promise<string[]> {
  const notes = await ctx.repository(Note).findMany();
  return notes.map((n) => n.body).sort();
}

const seen = (uw: Unitwork) => uw.unitOfWork.run(bodies);

/** Every adapter, built for one unitwork: the subpaths resolve at run time, not only for types. */
function adapters(uw: Unitwork) {
  const handler: ExpressScopedHandler<{ requestId: string }> = (_req, _res, scope) => ({ requestId: scope.requestId });
  const pluginOptions: UnitworkPluginOptions = { uw, mapErrors: true };
  return [
    expressHandler(uw, handler),
    expressErrorHandler(uw),
    fastifyHandler(uw, async () => "ok"),
    fastifyErrorHandler(uw),
    unitworkPlugin,
    pluginOptions,
    koaUnitOfWork(uw),
    koaHandler(uw, async () => "ok"),
    koaErrorHandler(uw),
    expectNoNPlusOne,
  ];
}

async function main(): Promise<void> {
  const a = await open(process.env.DATABASE_URL);
  const b = await open(process.env.DATABASE_URL_B);
  const rollBack = new Error("roll back");

  // a unit of work that writes a row, and one that reads it
  const created = await a.unitOfWork.run((ctx) => ctx.repository(Note).create({ body: "a1" }));
  const readBack = await a.unitOfWork.run((ctx) => ctx.repository(Note).getById(created.id));

  // B commits and rolls back while a unit of work of A is open, from inside A's async context
  const insideA = await a.unitOfWork.run(async (ctx) => {
    await ctx.repository(Note).create({ body: "a2" });
    await b.unitOfWork.run((c) => c.repository(Note).create({ body: "b1" }));
    await b.unitOfWork
      .run(async (c) => {
        await c.repository(Note).create({ body: "b-rolled-back" });
        throw rollBack;
      })
      .catch((error: unknown) => {
        if (error !== rollBack) throw error;
      });
    return { a: await bodies(ctx), bActiveHere: b.unitOfWork.current !== undefined };
  });

  // A rolls back while a unit of work of B is open
  await b.unitOfWork.run(async (ctx) => {
    await ctx.repository(Note).create({ body: "b2" });
    await a.unitOfWork
      .run(async (c) => {
        await c.repository(Note).create({ body: "a-rolled-back" });
        throw rollBack;
      })
      .catch((error: unknown) => {
        if (error !== rollBack) throw error;
      });
  });

  // both at once: A's unit stays open until B's has committed
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await Promise.all([
    a.unitOfWork.run(async (ctx) => {
      await ctx.repository(Note).create({ body: "a3" });
      await gate;
    }),
    b.unitOfWork.run((ctx) => ctx.repository(Note).create({ body: "b3" })).then(release),
  ]);

  // each analyzer sees its own DataSource's statements only
  const countA: QueryCountExpectation = { min: 1, analyzer: a };
  await expectQueryCount(() => a.unitOfWork.run((ctx) => ctx.repository(Note).count()), countA);
  await expectQueryCount(() => a.unitOfWork.run((ctx) => ctx.repository(Note).count()), { exact: 0, analyzer: b });

  // @Transactional runs on the unitwork the service holds, whichever was created last
  class Probe {
    constructor(readonly notes: unknown) {}
    @Transactional()
    async where(): Promise<string> {
      return a.unitOfWork.current ? "a" : b.unitOfWork.current ? "b" : "none";
    }
  }
  const transactional = [await new Probe(a.repositories.create(Note)).where(), await new Probe(b.repositories.create(Note)).where()].join(",");

  const seenA = await seen(a);
  const seenB = await seen(b);

  // closing A leaves B working
  await a.close();
  await b.unitOfWork.run((ctx) => ctx.repository(Note).create({ body: "b4" }));
  const seenBAfterClose = await seen(b);
  const health = await b.health();
  await b.close();

  const result = {
    readBack: readBack?.body ?? null,
    insideA,
    seenA,
    seenB,
    seenBAfterClose,
    healthAfterOtherClosed: health.ok,
    transactional,
    adapters: adapters(b).map((x) => typeof x),
    unitworkError: typeof UnitworkError,
  };
  console.log("RESULT " + JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;

/** An ES module of the app under nodenext: named imports of the CommonJS package from ESM. */
export const ESM_CHECK_MTS = `import "reflect-metadata";
import { createUnitwork, UnitOfWork, type Unitwork } from "unitwork";
import { expressHandler } from "unitwork/express";
import { fastifyHandler } from "unitwork/fastify";
import { koaHandler } from "unitwork/koa";
import { expectQueryCount } from "unitwork/testing";

export const esm: [typeof createUnitwork, typeof UnitOfWork, typeof expressHandler, typeof fastifyHandler, typeof koaHandler, typeof expectQueryCount] = [
  createUnitwork,
  UnitOfWork,
  expressHandler,
  fastifyHandler,
  koaHandler,
  expectQueryCount,
];
export type Esm = Unitwork;
`;

/** The same from plain JavaScript ESM at run time: Node finds the CommonJS package's named exports. */
export const ESM_RUN_MJS = `import "reflect-metadata";
import { createUnitwork, UnitOfWork, Transactional, mapError, UnitworkError } from "unitwork";
import { expressHandler } from "unitwork/express";
import { fastifyHandler, unitworkPlugin } from "unitwork/fastify";
import { koaHandler } from "unitwork/koa";
import { expectQueryCount } from "unitwork/testing";
const named = { createUnitwork, UnitOfWork, Transactional, mapError, UnitworkError, expressHandler, fastifyHandler, unitworkPlugin, koaHandler, expectQueryCount };
console.log("ESM " + JSON.stringify(Object.entries(named).filter(([, value]) => typeof value !== "function").map(([name]) => name)));
`;

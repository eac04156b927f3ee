import { FunctionDeployment, FunctionEntity, User } from "../../domain";
import { SerializationFailureError, type Unitwork } from "../../../src";
import type { TourSection } from "../tour-kit";

/** Deploys a new version of a function: three repositories, one transaction. */
async function deploy(uw: Unitwork, functionId: number, imageTag: string, fail = false): Promise<FunctionDeployment> {
  return uw.unitOfWork.run(async (ctx) => {
    const deployments = ctx.repository(FunctionDeployment);
    const previous = await deployments.findFirst({ where: { functionId }, orderBy: "-version" });
    const deployment = await deployments.create({ functionId, version: (previous?.version ?? 0) + 1, imageTag, isActive: true, status: "deployed", deployedAt: new Date() });
    if (previous) await deployments.update(previous.id, { isActive: false });
    await ctx.repository(FunctionEntity).update(functionId, { activeDeploymentId: deployment.id, status: "active" });
    if (fail) throw new Error("image scan failed after the writes");
    return deployment;
  }, { name: "deploy" });
}

/**
 * Unit of work: a committed deploy across three repositories, a failed one whose writes are gone, a
 * nested savepoint rolled back inside a committed outer unit, and a retried serialization failure.
 */
const section: TourSection = async (tour) => {
  const { uw } = tour;
  tour.heading("Unit of work: one transaction across repositories");
  const owner = await uw.repositories.create(User).create({ email: "uow-demo@tour.dev" });
  const fn = await uw.repositories.create(FunctionEntity).create({ userId: owner.id, name: "uow-demo-thumbnailer" });

  const v1 = await deploy(uw, fn.id, "thumbnailer:1.0.0");
  const v2 = await deploy(uw, fn.id, "thumbnailer:1.1.0");
  const deployments = uw.repositories.create(FunctionDeployment);
  const reread = await uw.repositories.create(FunctionEntity).getByIdOrFail(fn.id);
  tour.say(`committed: deploy v${v1.version}, then v${v2.version}: inserted a deployment, flipped is_active, set functions.active_deployment_id`);
  tour.show("read back", {
    activeDeploymentId: reread.activeDeploymentId,
    v2Id: v2.id,
    activeVersions: (await deployments.findMany({ where: { functionId: fn.id, isActive: true } })).map((d) => d.version),
  });

  const before = await deployments.count({ functionId: fn.id });
  const failure = await deploy(uw, fn.id, "thumbnailer:2.0.0-broken", true).catch((e: Error) => e);
  const after = await uw.repositories.create(FunctionEntity).getByIdOrFail(fn.id);
  tour.say(`failed: "${(failure as Error).message}" → rolled back`);
  tour.show("provably gone", {
    deploymentsBefore: before,
    deploymentsAfter: await deployments.count({ functionId: fn.id }),
    activeDeploymentIdStill: after.activeDeploymentId,
    activeVersionsStill: (await deployments.findMany({ where: { functionId: fn.id, isActive: true } })).map((d) => d.version),
  });

  tour.heading("Unit of work: nested savepoint, retry");
  await uw.unitOfWork.run(async (ctx) => {
    await ctx.repository(FunctionEntity).update(fn.id, { runtime: "node" });
    const inner = await uw.unitOfWork.run(async (nested) => {
      await nested.repository(FunctionEntity).update(fn.id, { name: "uow-demo-renamed" });
      throw new Error("rename rejected by policy");
    }, { propagation: "nested" }).catch((e: Error) => e.message);
    tour.say(`nested unit (SAVEPOINT) rolled back: "${inner}"; the outer unit goes on and commits`);
  });
  const renamed = await uw.repositories.create(FunctionEntity).getByIdOrFail(fn.id);
  tour.show("after commit", { runtime: renamed.runtime, name: renamed.name });

  let attempts = 0;
  const result = await uw.unitOfWork.run(async (ctx) => {
    attempts++;
    if (attempts < 3) {
      // what PostgreSQL raises when two SERIALIZABLE transactions conflict
      await ctx.manager.query("DO $$ BEGIN RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001'; END $$");
    }
    return ctx.repository(FunctionEntity).count({ userId: owner.id });
  }, { isolation: "SERIALIZABLE", retry: { attempts: 5, baseDelayMs: 5 } });
  tour.say(`SERIALIZABLE unit failed with 40001 twice, retried with jittered backoff, committed on attempt ${attempts} (result ${result})`);
  const givenUp = await uw.unitOfWork.run(
    (ctx) => ctx.manager.query("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$"),
    { retry: { attempts: 2, baseDelayMs: 1 } },
  ).catch((e: unknown) => e);
  tour.say(`out of attempts: ${(givenUp as Error).constructor.name} (${givenUp instanceof SerializationFailureError ? "typed" : "untyped"}, code ${(givenUp as SerializationFailureError).code})`);
};

export default section;

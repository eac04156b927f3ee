import { FunctionDeployment, FunctionEntity, FunctionInvocation, Organization, User, UserInformation } from "../../examples/domain";
import type { Unitwork } from "../../src";

export interface Fixture {
  users: User[];
  functions: FunctionEntity[];
  deployments: FunctionDeployment[];
}

/**
 * A small, fully known data set: 4 users (one soft-deleted), 6 functions, deployments, one profile,
 * an organization and a few invocations. Values are chosen so every operator has matches and misses.
 */
export async function seed(uw: Unitwork): Promise<Fixture> {
  return uw.unitOfWork.run(async (ctx) => {
    const users = ctx.repository(User);
    const fns = ctx.repository(FunctionEntity);
    const deps = ctx.repository(FunctionDeployment);
    const ada = await users.create({ email: "ada@acme.co", role: "admin" });
    const bob = await users.create({ email: "bob@acme.co", passwordHash: "x" });
    const cy = await users.create({ email: "cy_100%@other.io", isActive: false });
    const gone = await users.create({ email: "gone@acme.co" });
    await users.softDelete(gone.id);
    await ctx.repository(UserInformation).create({ userId: ada.id, firstName: "Ada", lastName: "Lovelace", country: "UK" });
    const org = await ctx.repository(Organization).create({ name: "Acme", ownerId: ada.id });
    const make = (userId: number, name: string, status: FunctionEntity["status"], runtime: string, extra: Partial<FunctionEntity> = {}) =>
      fns.create({ userId, name, status, runtime, ...extra });
    const f = [
      await make(ada.id, "alpha", "active", "node", { organizationId: org.id, analysisResult: { score: 1, tags: ["a"] } }),
      await make(ada.id, "beta", "inactive", "dart"),
      await make(bob.id, "gamma", "active", "dart", { analysisResult: { score: 2 } }),
      await make(bob.id, "delta_1", "failed", "python"),
      await make(cy.id, "epsilon", "building", "node", { organizationId: org.id }),
      await make(gone.id, "zeta", "active", "node"),
    ];
    const d: FunctionDeployment[] = [];
    for (const [fn, count] of [[f[0]!, 3], [f[1]!, 1], [f[2]!, 2], [f[4]!, 1]] as const) {
      for (let v = 1; v <= count; v++) {
        d.push(await deps.create({ functionId: fn.id, version: v, imageTag: `${fn.name}:v${v}`, status: v === count ? "deployed" : "failed", isActive: v === count, deployedAt: v === count ? new Date(Date.UTC(2025, 0, v)) : null }));
      }
    }
    const inv = ctx.repository(FunctionInvocation);
    await inv.create({ functionId: f[0]!.id, status: "success", durationMs: 10 });
    await inv.create({ functionId: f[2]!.id, status: "error", durationMs: 250, error: "boom" });
    return { users: [ada, bob, cy, gone], functions: f, deployments: d };
  });
}

export const names = (rows: { name: string }[]) => rows.map((r) => r.name);

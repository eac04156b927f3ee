import { FunctionEntity, LogLevel, User, type FunctionLog } from "../../examples/domain";
import type { TestUnitwork } from "../support/test-unitwork";

/** A user and `count` functions to hang logs and invocations on; returns the function ids. */
export async function seedFunctions(t: TestUnitwork, count = 1, email = `owner-${Math.random().toString(36).slice(2)}@example.com`): Promise<{ userId: number; functionIds: number[] }> {
  return t.uw.unitOfWork.run(async (ctx) => {
    const user = await ctx.repository(User).create({ email });
    const functionIds: number[] = [];
    for (let i = 0; i < count; i++) {
      const fn = await ctx.repository(FunctionEntity).create({ userId: user.id, name: `fn-${i}` });
      functionIds.push(fn.id);
    }
    return { userId: user.id, functionIds };
  });
}

/** `n` log rows for a function, with a message that names the row. */
export function logRows(functionId: number, n: number, tag = "row"): Partial<FunctionLog>[] {
  return Array.from({ length: n }, (_, i) => ({ functionId, level: LogLevel.Info, message: `${tag} ${i}`, metadata: { i } }));
}

import { User } from "../../examples/domain";
import { openTestUnitwork, type TestUnitwork } from "../support/test-unitwork";

let t: TestUnitwork;
beforeAll(async () => (t = await openTestUnitwork()));
afterAll(() => t.close());

test("commit and rollback", async () => {
  const users = t.uw.repositories.create(User);
  await t.uw.unitOfWork.run(async () => {
    await users.create({ email: "a@b.co" });
  });
  await expect(t.uw.unitOfWork.run(async () => {
    await users.create({ email: "c@b.co" });
    throw new Error("boom");
  })).rejects.toThrow("boom");
  expect(await users.count()).toBe(1);
});

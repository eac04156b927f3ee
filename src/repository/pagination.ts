import type { ObjectLiteral } from "typeorm";
import { InvalidQueryError } from "../errors";
import { checkPageSize, CursorCodec, pageOffset, type CursorPage, type CursorValues, type Page } from "../query";
import type { CursorPaginateOptions, PaginateOptions } from "./find-options";
import { checkOptions } from "./list-options";
import { planList } from "./list-plan";
import { countList, runList } from "./list-runner";
import type { RepositoryCore } from "./repository-core";

/** Offset pagination behind `AsyncBaseRepository.paginate`. @internal */
export async function paginate<T extends ObjectLiteral>(core: RepositoryCore<T>, options: PaginateOptions<T>): Promise<Page<T>> {
  checkOptions(options, "paginate");
  const { page, pageSize, offset } = pageOffset(options.page, options.pageSize, core.settings);
  const count = options.count ?? "exact";
  if (count !== "exact" && count !== "none") throw new InvalidQueryError(`count must be "exact" or "none"`, "count", ["exact", "none"]);
  const plan = planList(core, { ...options, limit: pageSize, offset });
  return core.tagged("pagination", `paginate ${core.metadata.name}`, async () => {
    if (count === "none") {
      const { entities, hasMore } = await runList(core, plan, { extraRow: true });
      return { items: entities, total: null, page, pageSize, totalPages: null, hasNext: hasMore, hasPrevious: page > 1 };
    }
    const total = await countList(core, plan);
    const items = offset < total ? (await runList(core, plan)).entities : [];
    const totalPages = Math.ceil(total / pageSize);
    return { items, total, page, pageSize, totalPages, hasNext: page < totalPages, hasPrevious: page > 1 };
  });
}

/** Keyset pagination behind `AsyncBaseRepository.paginateByCursor`. @internal */
export async function paginateByCursor<T extends ObjectLiteral>(core: RepositoryCore<T>, options: CursorPaginateOptions<T>): Promise<CursorPage<T>> {
  checkOptions(options, "paginateByCursor");
  const first = checkPageSize(options.first, "first", core.settings);
  const plan = planList(core, { ...options, limit: first });
  const codec = new CursorCodec(core.cursorKey, { entity: core.metadata.name, keys: plan.keys, filter: plan.filter, withDeleted: plan.withDeleted });
  const after = options.after === undefined || options.after === null ? undefined : codec.decode(options.after, plan.keys.length);
  return core.tagged("pagination", `paginateByCursor ${core.metadata.name}`, async () => {
    const { entities, sortValues, hasMore } = await runList(core, plan, { after, extraRow: true, sortValues: true });
    // Only the page's ends get a cursor, each encrypted when first read (an AES-GCM cipher costs about
    // as much as the page's own hydration, and many callers read only one end, or none).
    const cursorOf = (values: CursorValues | undefined) => {
      let cursor: string | null | undefined;
      return () => (cursor === undefined ? (cursor = values ? codec.encode(values) : null) : cursor);
    };
    const start = cursorOf(sortValues[0]);
    const end = cursorOf(sortValues[sortValues.length - 1]);
    return {
      items: entities,
      pageInfo: {
        get startCursor() {
          return start();
        },
        get endCursor() {
          return end();
        },
        hasNextPage: hasMore,
      },
    };
  });
}

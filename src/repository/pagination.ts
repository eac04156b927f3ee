import type { ObjectLiteral } from "typeorm";
import { withOperationTag } from "../analyzer/operation-tag";
import { InvalidQueryError } from "../errors";
import { checkPageSize, CursorCodec, pageOffset, type CursorPage, type Page } from "../query";
import type { AsyncBaseRepository } from "./async-base-repository";
import type { CursorPaginateOptions, PaginateOptions } from "./find-options";
import { checkOptions, countList, planList, runList } from "./list-plan";

/** Offset pagination behind `AsyncBaseRepository.paginate`. @internal */
export async function paginate<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, options: PaginateOptions<T>): Promise<Page<T>> {
  checkOptions(options, "paginate");
  const { page, pageSize, offset } = pageOffset(options.page, options.pageSize, repository.runtime.settings);
  const count = options.count ?? "exact";
  if (count !== "exact" && count !== "none") throw new InvalidQueryError(`count must be "exact" or "none"`, "count", ["exact", "none"]);
  const plan = planList(repository as never, { ...options, limit: pageSize, offset });
  return withOperationTag(repository.runtime.context, { kind: "pagination", label: `paginate ${repository.metadata.name}` }, async () => {
    if (count === "none") {
      const { entities, hasMore } = await runList(repository, plan, { extraRow: true });
      return { items: entities, total: null, page, pageSize, totalPages: null, hasNext: hasMore, hasPrevious: page > 1 };
    }
    const total = await countList(repository, plan);
    const items = offset < total ? (await runList(repository, plan)).entities : [];
    const totalPages = Math.ceil(total / pageSize);
    return { items, total, page, pageSize, totalPages, hasNext: page < totalPages, hasPrevious: page > 1 };
  });
}

/** Keyset pagination behind `AsyncBaseRepository.paginateByCursor`. @internal */
export async function paginateByCursor<T extends ObjectLiteral>(repository: AsyncBaseRepository<T>, options: CursorPaginateOptions<T>): Promise<CursorPage<T>> {
  checkOptions(options, "paginateByCursor");
  const first = checkPageSize(options.first, "first", repository.runtime.settings);
  const plan = planList(repository as never, { ...options, limit: first });
  const codec = new CursorCodec(repository.runtime.settings.cursorSecret, repository.metadata.name);
  const after = options.after === undefined || options.after === null ? undefined : codec.decode(plan.keys, options.after);
  return withOperationTag(repository.runtime.context, { kind: "pagination", label: `paginateByCursor ${repository.metadata.name}` }, async () => {
    const { entities, sortValues, hasMore } = await runList(repository, plan, { after, extraRow: true, sortValues: true });
    // only the page's ends get a cursor: one signature each, not one per row
    const firstValues = sortValues[0];
    const lastValues = sortValues[sortValues.length - 1];
    return {
      items: entities,
      pageInfo: {
        startCursor: firstValues ? codec.encode(plan.keys, firstValues) : null,
        endCursor: lastValues ? codec.encode(plan.keys, lastValues) : null,
        hasNextPage: hasMore,
      },
    };
  });
}

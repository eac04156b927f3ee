import type { ObjectLiteral } from "typeorm";
import { openTestUnitwork } from "../support/test-unitwork";
import { bothFind, generatedProperties, idOf, isPair, keyOrder, plain, whereId, type CheckResult, type MappingCase, type Sides } from "./harness";

/** Rows written through each path carry their own tag in unique values (`#1`, `#2` …); compared without it. */
function untagged(value: unknown, tag: number): string {
  return JSON.stringify(value).split(`#${tag}`).join("#T");
}

/**
 * Runs every check of one mapping: each method of unitwork against TypeORM's own answer on the same
 * rows. A method the case lists in `refused` must throw that typed error, naming the entity.
 */
export async function runCase(c: MappingCase): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const t = await openTestUnitwork({ label: `conf_${c.name}`, entities: c.entities, dataSourceOptions: c.dataSource as never, sql: c.sql, poolSize: 3, analyzer: { mode: "off" } });
  try {
    const dataSource = t.uw.dataSource;
    const metadata = dataSource.getMetadata(c.root);
    const s: Sides = {
      uw: t.uw,
      dataSource,
      repo: t.uw.repositories.create(c.root),
      orm: dataSource.getRepository(c.root),
      metadata,
      drop: new Set([...generatedProperties(dataSource), ...(c.ignore ?? [])]),
    };
    const context = c.setup ? await c.setup(dataSource) : {};
    const order = keyOrder(metadata);
    const toOne = Object.fromEntries(metadata.relations.filter((r) => r.isManyToOne || r.isOneToOneOwner).map((r) => [r.propertyName, true]));

    const check = async (name: string, method: string, body: () => Promise<void>): Promise<void> => {
      const refusedWith = c.refused?.[method];
      try {
        await body();
        results.push(refusedWith ? { case: c.name, check: name, ok: false, error: `expected ${refusedWith}, but ${method} succeeded` } : { case: c.name, check: name, ok: true });
      } catch (error) {
        const e = error as Error;
        if (refusedWith && e.constructor?.name === refusedWith && e.message.includes(metadata.name)) results.push({ case: c.name, check: `${name} (refused: ${e.message})`, ok: true });
        else results.push({ case: c.name, check: name, ok: false, error: `${e.constructor?.name}: ${e.message}`.slice(0, 600) });
      }
    };
    const same = (ours: unknown, theirs: unknown, what: string, tags: [number, number] = [0, 0]) => {
      const a = untagged(ours, tags[0]);
      const b = untagged(theirs, tags[1]);
      if (a !== b) throw new Error(`${what} differs\n  unitwork: ${a.slice(0, 700)}\n  typeorm:  ${b.slice(0, 700)}`);
    };
    const readBack = (entity: ObjectLiteral) => s.orm.findOne({ where: whereId(metadata, entity), relations: toOne, withDeleted: true } as never);

    // ---- create vs save
    const created: ObjectLiteral[] = [];
    await check("create = save", "create", async () => {
      const ours = c.rows(1, context);
      const theirs = c.rows(2, context);
      for (let i = 0; i < ours.length; i++) {
        const mine = await s.repo.create(ours[i]!);
        created.push(mine);
        const saved = await s.orm.save(s.orm.create(theirs[i]!));
        same(plain(await readBack(mine), s.drop), plain(await readBack(saved), s.drop), `row ${i} as stored`, [1, 2]);
        const stored = await s.orm.findOne({ where: whereId(metadata, mine), withDeleted: true, loadEagerRelations: false } as never);
        same(plain(mine, s.drop), plain(stored, s.drop), `row ${i} as create returned it`, [1, 1]);
      }
    });
    if (!created.length) {
      // the reads still need rows: write them through TypeORM
      for (const row of c.rows(1, context)) created.push(await s.orm.save(s.orm.create(row)));
    }

    // ---- reads
    await check("getById = findOneBy", "getById", async () => {
      for (const entity of created) {
        const ours = await s.repo.getById(idOf(metadata, entity) as never);
        const theirs = await s.orm.findOne({ where: whereId(metadata, entity) } as never);
        same(plain(ours, new Set()), plain(theirs, new Set()), "getById");
      }
    });
    const filters = [undefined, ...(c.filters?.(context) ?? [])];
    await check("findMany = find (filters)", "findMany", async () => {
      for (const where of filters) {
        const [ours, theirs] = await bothFind(s, where, order);
        same(ours, theirs, `find ${JSON.stringify(where)}`);
      }
    });
    await check("findMany = find (orders)", "findMany", async () => {
      for (const o of c.orders ?? []) {
        const [ours, theirs] = await bothFind(s, undefined, { ...o, ...order });
        same(ours, theirs, `order ${JSON.stringify(o)}`);
      }
    });
    await check("count = count", "count", async () => {
      for (const filter of filters) {
        const [where, ormWhere] = isPair(filter) ? [filter.uw, filter.orm] : [filter, filter];
        const ours = await s.repo.count(where as never);
        const theirs = await s.orm.count({ where: ormWhere } as never);
        if (ours !== theirs) throw new Error(`count ${JSON.stringify(where)}: unitwork ${ours}, typeorm ${theirs}`);
      }
    });
    await check("paginate = findAndCount", "paginate", async () => {
      for (const filter of filters) {
        const [where, ormWhere] = isPair(filter) ? [filter.uw, filter.orm] : [filter, filter];
        for (const page of [1, 2]) {
          const ours = await s.repo.paginate({ page, pageSize: 2, where: where as never, orderBy: order as never });
          const [items, total] = await s.orm.findAndCount({ where: ormWhere, order, skip: (page - 1) * 2, take: 2 } as never);
          if (ours.total !== total) throw new Error(`paginate ${JSON.stringify(where)}: total ${ours.total}, typeorm ${total}`);
          same(plain(ours.items, new Set()), plain(items, new Set()), `page ${page} of ${JSON.stringify(where)}`);
        }
      }
    });
    await check("paginateByCursor = find", "paginateByCursor", async () => {
      const seen: ObjectLiteral[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 50; pages++) {
        const page = await s.repo.paginateByCursor({ first: 2, after, orderBy: order as never });
        seen.push(...page.items);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      same(plain(seen, new Set()), plain(await s.orm.find({ order } as never), new Set()), "cursor walk");
    });
    // a stream's rows are findMany's, in its order (batches of 2: every case spans several)
    const streamed = async (options: ObjectLiteral) => {
      const rows: unknown[] = [];
      for await (const entity of s.repo.stream({ ...options, batchSize: 2 } as never)) rows.push(plain(entity, new Set()));
      return rows;
    };
    const listed = async (options: ObjectLiteral) => (await s.repo.findMany(options as never)).map((entity) => plain(entity, new Set()));
    await check("stream = findMany (filters, orders)", "findMany", async () => {
      for (const filter of filters) {
        const where = isPair(filter) ? filter.uw : filter;
        for (const o of [order, ...(c.orders ?? []).map((x) => ({ ...x, ...order }))]) same(await streamed({ where, orderBy: o }), await listed({ where, orderBy: o }), `stream ${JSON.stringify(where)} ${JSON.stringify(o)}`);
      }
    });
    for (const relation of c.relations ?? []) {
      await check(`relations ${relation} = relations option`, "relations", async () => {
        for (const strategy of ["join", "query"] as const) {
          const ours = await s.repo.findMany({ relations: { [relation]: true } as never, relationStrategy: strategy, orderBy: order as never });
          const theirs = await s.orm.find({ relations: { [relation]: true }, order } as never);
          same(plain(ours, new Set()), plain(theirs, new Set()), `findMany relations (${strategy})`);
        }
        const first = created[0]!;
        same(plain(await s.repo.getById(idOf(metadata, first) as never, { relations: { [relation]: true } as never }), new Set()), plain(await s.orm.findOne({ where: whereId(metadata, first), relations: { [relation]: true } } as never), new Set()), "getById relations");
      });
      await check(`stream with ${relation} = findMany`, "relations", async () => {
        const options = { relations: { [relation]: true }, relationStrategy: "query", orderBy: order };
        same(await streamed(options), await listed(options), "stream relations (query)");
        // "join" takes to-one relations only, the entities' eager relations included
        const joined = metadata.findRelationWithPropertyPath(relation);
        const toMany = (r: { isOneToMany: boolean; isManyToMany: boolean }) => r.isOneToMany || r.isManyToMany;
        if (joined && !toMany(joined) && ![...metadata.eagerRelations, ...joined.inverseEntityMetadata.eagerRelations].some(toMany)) {
          same(await streamed({ ...options, relationStrategy: "join" }), await listed({ ...options, relationStrategy: "join" }), "stream relations (join)");
        }
      });
      await check(`loadRelations ${relation} = relations option`, "loadRelations", async () => {
        const loaded = await s.repo.findMany({ orderBy: order as never });
        await s.repo.loadRelations(loaded, { [relation]: true } as never);
        same(plain(loaded, new Set()), plain(await s.orm.find({ relations: { [relation]: true }, order } as never), new Set()), "loadRelations");
      });
      await check(`paginate with ${relation} = findAndCount`, "paginate", async () => {
        const ours = await s.repo.paginate({ page: 1, pageSize: 2, relations: { [relation]: true } as never, orderBy: order as never });
        const [items, total] = await s.orm.findAndCount({ relations: { [relation]: true }, order, skip: 0, take: 2 } as never);
        if (ours.total !== total) throw new Error(`total ${ours.total}, typeorm ${total}`);
        same(plain(ours.items, new Set()), plain(items, new Set()), "page with relations");
      });
    }

    // ---- update vs update
    if (c.patch) {
      await check("update = update", "update", async () => {
        const [mine] = await Promise.all([s.repo.create(c.rows(3, context)[0]!)]);
        const theirs = await s.orm.save(s.orm.create(c.rows(4, context)[0]!));
        await s.repo.update(idOf(metadata, mine) as never, c.patch!(mine));
        await s.orm.update(whereId(metadata, theirs), c.patch!(theirs) as never);
        same(plain(await readBack(mine), s.drop), plain(await readBack(theirs), s.drop), "updated row", [3, 4]);
      });
    }

    // ---- bulk methods vs insert/update/upsert/delete
    const single = metadata.primaryColumns.length === 1;
    const bulkRows: [ObjectLiteral[], ObjectLiteral[]] = [[], []];
    await check("bulkInsert = insert", "bulkInsert", async () => {
      const ours = c.rows(5, context);
      const theirs = c.rows(6, context);
      const result = await s.repo.bulkInsert(ours, single ? {} : { returning: "none" });
      const inserted = await s.orm.insert(theirs as never);
      const mineIds = single ? result.ids!.map((id) => ({ [metadata.primaryColumns[0]!.propertyName]: id })) : ours.map((row) => whereId(metadata, row));
      const theirIds = inserted.identifiers;
      for (let i = 0; i < ours.length; i++) {
        const a = await readBack(mineIds[i]!);
        const b = await readBack(theirIds[i]!);
        if (!a) throw new Error(`row ${i} written by bulkInsert is not found`);
        bulkRows[0].push(a);
        bulkRows[1].push(b!);
        same(plain(a, s.drop), plain(b, s.drop), `bulkInsert row ${i}`, [5, 6]);
      }
    });
    if (c.patch && bulkRows[0].length) {
      await check("bulkUpdate = update", "bulkUpdate", async () => {
        await s.repo.bulkUpdate(bulkRows[0].map((row) => ({ ...whereId(metadata, row), ...c.patch!(row) })));
        for (const row of bulkRows[1]) await s.orm.update(whereId(metadata, row), c.patch!(row) as never);
        for (let i = 0; i < bulkRows[0].length; i++) same(plain(await readBack(bulkRows[0][i]!), s.drop), plain(await readBack(bulkRows[1][i]!), s.drop), `bulkUpdate row ${i}`, [5, 6]);
      });
    }
    if (c.upsertKey) {
      await check("bulkUpsert = upsert", "bulkUpsert", async () => {
        for (const [tag, write] of [
          [7, (rows: ObjectLiteral[]) => s.repo.bulkUpsert(rows, { conflictPaths: c.upsertKey as never })],
          [8, (rows: ObjectLiteral[]) => s.orm.upsert(rows as never, { conflictPaths: c.upsertKey!, skipUpdateIfNoValuesChanged: false })],
        ] as const) {
          const rows = c.rows(tag, context);
          await write(rows.slice(0, 1));
          await write(rows.map((row) => ({ ...row, ...(c.patch?.(row) ?? {}) })));
        }
        const key = (tag: number) => c.rows(tag, context).map((row) => Object.fromEntries(c.upsertKey!.map((k) => [k, row[k]])));
        const ours = await Promise.all(key(7).map((where) => s.orm.findOne({ where, relations: toOne } as never)));
        const theirs = await Promise.all(key(8).map((where) => s.orm.findOne({ where, relations: toOne } as never)));
        same(plain(ours, s.drop), plain(theirs, s.drop), "upserted rows", [7, 8]);
      });
    }
    if (bulkRows[0].length) {
      await check("bulkDelete = delete", "bulkDelete", async () => {
        const ours = await s.repo.bulkDelete(bulkRows[0].map((row) => idOf(metadata, row)) as never);
        const theirs = await s.orm.delete(bulkRows[1].map((row) => whereId(metadata, row)) as never);
        if (ours.count !== theirs.affected) throw new Error(`bulkDelete count ${ours.count}, typeorm ${theirs.affected}`);
      });
    }
    if (metadata.deleteDateColumn) {
      await check("softDelete/restore = softDelete/restore", "softDelete", async () => {
        const first = created[0]!;
        await s.repo.softDelete(idOf(metadata, first) as never);
        const ours = await s.orm.findOne({ where: whereId(metadata, first) } as never);
        if (ours) throw new Error("a soft-deleted row is still found by TypeORM");
        await s.repo.restore(idOf(metadata, first) as never);
        if (!(await s.orm.findOne({ where: whereId(metadata, first) } as never))) throw new Error("a restored row is not found by TypeORM");
      });
    }
    await check("delete = delete", "delete", async () => {
      const last = created[created.length - 1]!;
      const ours = await s.repo.delete(idOf(metadata, last) as never);
      if (!ours || (await s.orm.findOne({ where: whereId(metadata, last), withDeleted: true } as never))) throw new Error("delete left the row");
    });
  } finally {
    await t.close();
  }
  return results;
}

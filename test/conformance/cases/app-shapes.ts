/**
 * Shapes most applications have: an abstract base class of shared columns, active-record entities
 * (`extends BaseEntity`), column type aliases, SQL defaults, columns TypeORM never inserts or updates.
 */
import { BaseEntity, Column, CreateDateColumn, Entity, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";
import type { MappingCase } from "../harness";

const five = (make: (i: number) => Record<string, unknown>) => Array.from({ length: 5 }, (_, i) => make(i));

export abstract class Audited {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @CreateDateColumn({ type: "timestamp with time zone" })
  createdAt!: Date;

  @UpdateDateColumn({ type: "timestamp with time zone" })
  updatedAt!: Date;
}

@Entity("app_product")
export class Product extends Audited {
  @Column({ type: "character varying", length: 80 })
  name!: string;

  @Column({ type: "int4", default: 0 })
  stock!: number;

  @Column({ type: "float8", nullable: true })
  weight!: number | null;

  @Column({ type: "smallint", default: 1 })
  rank!: number;

  @Column({ type: "json", nullable: true })
  attributes!: Record<string, unknown> | null;

  @Column({ type: "uuid", default: () => "gen_random_uuid()" })
  batch!: string;

  @Column({ type: "time", nullable: true })
  opensAt!: string | null;

  @Column({ type: "interval", nullable: true })
  shelfLife!: string | null;

  @Column({ type: "inet", nullable: true })
  origin!: string | null;

  @Column({ type: "varchar", insert: false, update: false, default: "catalogue" })
  source!: string;

  @Column({ type: "varchar", length: 20, update: false })
  createdBy!: string;
}

@Entity("app_active_user")
export class ActiveUser extends BaseEntity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ unique: true })
  login!: string;

  @Column({ type: "text", array: true, default: () => "'{}'" })
  roles!: string[];

  @Column({ type: "timestamptz", default: () => "CURRENT_TIMESTAMP" })
  lastSeen!: Date;

  @Column({ type: "boolean", default: true })
  enabled!: boolean;
}

export const appShapeCases: MappingCase[] = [
  {
    name: "abstract base class, type aliases, SQL defaults, insert: false / update: false",
    source: "generated, after common application base classes",
    entities: [Product],
    root: Product,
    rows: (tag) =>
      five((i) => ({
        name: `product #${tag} ${i}`,
        ...(i % 2 ? { stock: i } : {}),
        weight: i === 2 ? null : i * 1.5,
        attributes: i === 1 ? null : { colour: "red", sizes: [i] },
        opensAt: i === 3 ? null : `0${i}:30:00`,
        shelfLife: i === 3 ? null : `${i + 1} days`,
        origin: i === 3 ? null : `10.0.0.${i}`,
        createdBy: "importer",
      })),
    ignore: ["batch"],
    filters: () => [{ stock: 0 }, { createdBy: "importer" }],
    orders: [{ name: "DESC" }, { stock: "ASC" }],
    patch: () => ({ stock: 99, weight: 2.5 }),
  },
  {
    name: "active-record entity (extends BaseEntity), array and timestamp defaults",
    source: "generated, after TypeORM's active-record documentation",
    entities: [ActiveUser],
    root: ActiveUser,
    rows: (tag) => five((i) => (i % 2 ? { login: `user #${tag} ${i}` } : { login: `user #${tag} ${i}`, roles: ["admin", `r${i}`], enabled: false })),
    ignore: ["lastSeen"],
    filters: () => [{ enabled: false }],
    orders: [{ login: "DESC" }],
    patch: () => ({ enabled: true, roles: ["patched"] }),
    upsertKey: ["login"],
  },
];

// ---- lazy relations (`Promise<T>` properties), as older applications declare them
@Entity("app_lazy_team")
export class LazyTeam {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;
}

@Entity("app_lazy_member")
export class LazyMember {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  name!: string;

  @ManyToOne(() => LazyTeam, { lazy: true, nullable: true })
  team!: Promise<LazyTeam | null>;
}

appShapeCases.push({
  name: "lazy many-to-one",
  source: "generated, after TypeORM's lazy-relations documentation",
  entities: [LazyTeam, LazyMember],
  root: LazyMember,
  setup: async (ds) => ({ teams: await ds.getRepository(LazyTeam).save([{ name: "red" }, { name: "blue" }]) }),
  rows: (tag, ctx) => five((i) => ({ name: `member #${tag} ${i}`, team: { id: (ctx.teams as LazyTeam[])[i % 2]!.id } })),
  filters: () => [{ team: { name: "blue" } }],
  patch: () => ({ name: "patched" }),
});

/**
 * Entity sets in the shapes real open-source TypeORM applications use (see ../README.md): the
 * RealWorld ("Conduit") API's users, articles, comments and favourites, with entity listeners, an eager
 * one-to-many and a many-to-many of users; and a shop's orders whose line items have a composite
 * primary key made of foreign keys.
 */
import { createHash } from "node:crypto";
import {
  BeforeInsert,
  BeforeUpdate,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  JoinTable,
  ManyToMany,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type Relation,
} from "typeorm";
import type { MappingCase } from "../harness";

const five = (make: (i: number) => Record<string, unknown>) => Array.from({ length: 5 }, (_, i) => make(i));

@Entity("rw_user")
export class RwUser {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  username!: string;

  @Column()
  email!: string;

  @Column({ default: "" })
  bio!: string;

  @Column({ default: "" })
  image!: string;

  @Column()
  password!: string;

  @BeforeInsert()
  hashPassword(): void {
    this.password = createHash("sha256").update(this.password).digest("hex");
  }

  @ManyToMany(() => RwArticle)
  @JoinTable()
  favorites!: Relation<RwArticle>[];

  @OneToMany(() => RwArticle, (article) => article.author)
  articles!: Relation<RwArticle>[];
}

@Entity("rw_article")
export class RwArticle {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  slug!: string;

  @Column()
  title!: string;

  @Column({ default: "" })
  description!: string;

  @Column({ default: "" })
  body!: string;

  @CreateDateColumn()
  createdAt!: Date;

  @UpdateDateColumn()
  updatedAt!: Date;

  @BeforeUpdate()
  updateTimestamp(): void {
    this.updatedAt = new Date();
  }

  @Column("simple-array")
  tagList!: string[];

  @ManyToOne(() => RwUser, (user) => user.articles)
  @JoinColumn()
  author!: Relation<RwUser>;

  @OneToMany(() => RwComment, (comment) => comment.article, { eager: true })
  comments!: Relation<RwComment>[];

  @Column({ default: 0 })
  favoritesCount!: number;
}

@Entity("rw_comment")
export class RwComment {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  body!: string;

  @ManyToOne(() => RwArticle, (article) => article.comments)
  article!: Relation<RwArticle>;
}

@Entity("shop_order")
export class ShopOrder {
  @PrimaryGeneratedColumn("uuid")
  id!: string;

  @Column({ type: "varchar", length: 32 })
  customer!: string;

  @Column({ type: "numeric", precision: 12, scale: 2, default: 0 })
  total!: string;

  @OneToMany(() => ShopOrderItem, (item) => item.order)
  items!: Relation<ShopOrderItem>[];
}

@Entity("shop_product")
export class ShopProduct {
  @PrimaryColumn({ type: "varchar", length: 16 })
  sku!: string;

  @Column()
  name!: string;
}

@Entity("shop_order_item")
export class ShopOrderItem {
  @PrimaryColumn("uuid")
  orderId!: string;

  @PrimaryColumn({ type: "varchar", length: 16 })
  productSku!: string;

  @Column({ type: "int" })
  quantity!: number;

  @ManyToOne(() => ShopOrder, (order) => order.items, { onDelete: "CASCADE" })
  @JoinColumn({ name: "orderId" })
  order!: Relation<ShopOrder>;

  @ManyToOne(() => ShopProduct)
  @JoinColumn({ name: "productSku" })
  product!: Relation<ShopProduct>;
}

const realWorld = [RwUser, RwArticle, RwComment];
const shop = [ShopOrder, ShopProduct, ShopOrderItem];

export const realWorldCases: MappingCase[] = [
  {
    name: "RealWorld articles: eager one-to-many, listeners, simple-array",
    source: "lujakob/nestjs-realworld-example-app (MIT), shapes",
    entities: realWorld,
    root: RwArticle,
    setup: async (ds) => {
      const users = await ds.getRepository(RwUser).save([{ username: "jake", email: "jake@jake.jake", password: "p" }, { username: "anna", email: "a@a.a", password: "q" }]);
      return { users };
    },
    rows: (tag, ctx) => five((i) => ({ slug: `slug-#${tag}-${i}`, title: `title ${i}`, tagList: ["dragons", `t${i}`], author: { id: (ctx.users as RwUser[])[i % 2]!.id }, ...(i === 3 ? { body: "text" } : {}) })),
    filters: () => [{ author: { username: "anna" } }, { favoritesCount: 0 }],
    orders: [{ title: "DESC" }],
    relations: ["author", "comments"],
    patch: () => ({ title: "patched", favoritesCount: 3 }),
  },
  {
    name: "RealWorld users: many-to-many favourites, one-to-many articles",
    source: "lujakob/nestjs-realworld-example-app (MIT), shapes",
    entities: realWorld,
    root: RwUser,
    setup: async (ds) => {
      const author = await ds.getRepository(RwUser).save({ username: "author", email: "x@x.x", password: "p" });
      const articles = await ds.getRepository(RwArticle).save([1, 2].map((n) => ({ slug: `a${n}`, title: `article ${n}`, tagList: [], author })));
      await ds.getRepository(RwComment).save({ body: "first!", article: articles[0] });
      return { articles };
    },
    rows: (tag, ctx) => five((i) => ({ username: `user #${tag} ${i}`, email: `u${i}@x.co`, password: `pw${i}`, favorites: (ctx.articles as RwArticle[]).slice(0, i % 3).map((a) => ({ id: a.id })) })),
    filters: () => [{ favorites: { title: "article 2" } }, { articles: { title: "article 1" } }],
    relations: ["favorites", "articles"],
    patch: () => ({ bio: "patched" }),
    refused: { bulkInsert: "UnsupportedMappingError" },
  },
  {
    name: "shop order items: composite key of foreign keys",
    source: "generated, after common shop schemas",
    entities: shop,
    root: ShopOrderItem,
    setup: async (ds) => {
      const orders = await ds.getRepository(ShopOrder).save(Array.from({ length: 9 }, (_, i) => ({ customer: `c${i}` })));
      const products = await ds.getRepository(ShopProduct).save([0, 1, 2, 3, 4].map((i) => ({ sku: `sku-${i}`, name: `product ${i}` })));
      return { orders, products };
    },
    rows: (tag, ctx) => five((i) => ({ orderId: (ctx.orders as ShopOrder[])[tag]!.id, productSku: (ctx.products as ShopProduct[])[i]!.sku, quantity: i + 1 })),
    ignore: ["orderId", "customer"],
    filters: () => [{ product: { name: "product 2" } }, { quantity: 3 }],
    orders: [{ quantity: "DESC" }],
    relations: ["order", "product"],
    patch: () => ({ quantity: 10 }),
    upsertKey: ["orderId", "productSku"],
  },
  {
    name: "shop orders: uuid key, numeric, one-to-many items",
    source: "generated, after common shop schemas",
    entities: shop,
    root: ShopOrder,
    rows: (tag) => five((i) => ({ customer: `customer #${tag} ${i}`, total: `${i}.25` })),
    filters: () => [{ total: "2.25" }],
    orders: [{ total: "DESC" }],
    relations: ["items"],
    patch: () => ({ total: "10.00" }),
  },
];

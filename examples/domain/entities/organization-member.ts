import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from "typeorm";
import { IsDate, IsIn, IsInt, IsOptional, Min } from "class-validator";
import { Organization } from "./organization";
import { User } from "./user";

/** Role of a user inside an organization (PostgreSQL enum type `organization_member_role`). */
export const OrganizationRole = { Owner: "owner", Admin: "admin", Member: "member" } as const;
export type OrganizationRole = (typeof OrganizationRole)[keyof typeof OrganizationRole];

/** Membership of a user in an organization (at most one row per pair). */
@Entity({ name: "organization_members" })
@Unique("uq_organization_members_organization_user", ["organizationId", "userId"])
@Index("idx_organization_members_user_id", ["userId"])
export class OrganizationMember {
  @PrimaryGeneratedColumn("increment", { type: "integer", name: "id", primaryKeyConstraintName: "pk_organization_members" })
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "integer", name: "organization_id" })
  @IsInt()
  @Min(1)
  organizationId!: number;

  @Column({ type: "integer", name: "user_id" })
  @IsInt()
  @Min(1)
  userId!: number;

  @Column({
    type: "enum",
    name: "role",
    enum: Object.values(OrganizationRole),
    enumName: "organization_member_role",
    default: OrganizationRole.Member,
  })
  @IsOptional()
  @IsIn(Object.values(OrganizationRole))
  role!: OrganizationRole;

  @CreateDateColumn({ type: "timestamptz", name: "joined_at" })
  @IsOptional()
  @IsDate()
  joinedAt!: Date;

  @ManyToOne(() => Organization, (organization) => organization.members, { onDelete: "CASCADE" })
  @JoinColumn({ name: "organization_id", foreignKeyConstraintName: "fk_organization_members_organization" })
  @IsOptional()
  organization?: Relation<Organization>;

  @ManyToOne(() => User, (user) => user.memberships, { onDelete: "CASCADE" })
  @JoinColumn({ name: "user_id", foreignKeyConstraintName: "fk_organization_members_user" })
  @IsOptional()
  user?: Relation<User>;
}

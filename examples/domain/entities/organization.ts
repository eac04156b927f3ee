import {
  Column,
  CreateDateColumn,
  Entity,
  Generated,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  type Relation,
} from "typeorm";
import { IsDate, IsInt, IsOptional, IsString, IsUUID, Length, Min } from "class-validator";
import { OrganizationMember } from "./organization-member";
import { User } from "./user";

/** A team that owns functions; `owner` is the user who created it. */
@Entity({ name: "organizations" })
@Unique("uq_organizations_uuid", ["uuid"])
@Unique("uq_organizations_name", ["name"])
@Index("idx_organizations_owner_id", ["ownerId"])
export class Organization {
  @PrimaryGeneratedColumn("increment", { type: "integer", name: "id", primaryKeyConstraintName: "pk_organizations" })
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "uuid", name: "uuid" })
  @Generated("uuid")
  @IsOptional()
  @IsUUID()
  uuid!: string;

  @Column({ type: "varchar", name: "name", length: 255 })
  @IsString()
  @Length(1, 255)
  name!: string;

  @Column({ type: "integer", name: "owner_id" })
  @IsInt()
  @Min(1)
  ownerId!: number;

  @CreateDateColumn({ type: "timestamptz", name: "created_at" })
  @IsOptional()
  @IsDate()
  createdAt!: Date;

  @UpdateDateColumn({ type: "timestamptz", name: "updated_at" })
  @IsOptional()
  @IsDate()
  updatedAt!: Date;

  @ManyToOne(() => User, { onDelete: "RESTRICT" })
  @JoinColumn({ name: "owner_id", foreignKeyConstraintName: "fk_organizations_owner" })
  @IsOptional()
  owner?: Relation<User>;

  @OneToMany(() => OrganizationMember, (member) => member.organization)
  @IsOptional()
  members?: Relation<OrganizationMember>[];
}

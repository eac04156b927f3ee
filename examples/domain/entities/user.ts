import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Generated,
  Index,
  OneToMany,
  OneToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  VersionColumn,
  type Relation,
} from "typeorm";
import { IsBoolean, IsDate, IsEmail, IsIn, IsInt, IsOptional, IsString, IsUUID, MaxLength, Min } from "class-validator";
import { FunctionEntity } from "./function";
import { OrganizationMember } from "./organization-member";
import { UserInformation } from "./user-information";

/** Role of a platform account (PostgreSQL enum type `user_role`). */
export const UserRole = { User: "user", Admin: "admin" } as const;
export type UserRole = (typeof UserRole)[keyof typeof UserRole];

/** A platform account. Soft-deletable and optimistically versioned. */
@Entity({ name: "users" })
@Unique("uq_users_uuid", ["uuid"])
@Unique("uq_users_email", ["email"])
// unique on lower(email), made by a migration (TypeORM cannot describe an expression index)
@Index("uq_users_email_lower", { synchronize: false })
export class User {
  @PrimaryGeneratedColumn("increment", { type: "integer", name: "id", primaryKeyConstraintName: "pk_users" })
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "uuid", name: "uuid" })
  @Generated("uuid")
  @IsOptional()
  @IsUUID()
  uuid!: string;

  @Column({ type: "varchar", name: "email", length: 255 })
  @IsEmail()
  @MaxLength(255)
  email!: string;

  @Column({ type: "varchar", name: "password_hash", length: 255, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  passwordHash!: string | null;

  @Column({ type: "enum", name: "role", enum: Object.values(UserRole), enumName: "user_role", default: UserRole.User })
  @IsOptional()
  @IsIn(Object.values(UserRole))
  role!: UserRole;

  @Column({ type: "boolean", name: "is_active", default: true })
  @IsOptional()
  @IsBoolean()
  isActive!: boolean;

  @CreateDateColumn({ type: "timestamptz", name: "created_at" })
  @IsOptional()
  @IsDate()
  createdAt!: Date;

  @UpdateDateColumn({ type: "timestamptz", name: "updated_at" })
  @IsOptional()
  @IsDate()
  updatedAt!: Date;

  @DeleteDateColumn({ type: "timestamptz", name: "deleted_at" })
  @IsOptional()
  @IsDate()
  deletedAt!: Date | null;

  @VersionColumn({ type: "integer", name: "version", default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  version!: number;

  @OneToOne(() => UserInformation, (information) => information.user)
  @IsOptional()
  information?: Relation<UserInformation> | null;

  @OneToMany(() => FunctionEntity, (fn) => fn.user)
  @IsOptional()
  functions?: Relation<FunctionEntity>[];

  @OneToMany(() => OrganizationMember, (member) => member.user)
  @IsOptional()
  memberships?: Relation<OrganizationMember>[];
}

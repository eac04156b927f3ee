import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Generated,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  VersionColumn,
  type Relation,
} from "typeorm";
import { IsDate, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Min } from "class-validator";
import { FunctionDeployment } from "./function-deployment";
import { FunctionInvocation } from "./function-invocation";
import { FunctionLog } from "./function-log";
import { Organization } from "./organization";
import { User } from "./user";

/** Lifecycle state of a function (PostgreSQL enum type `function_status`). */
export const FunctionStatus = {
  Active: "active",
  Inactive: "inactive",
  Building: "building",
  Failed: "failed",
} as const;
export type FunctionStatus = (typeof FunctionStatus)[keyof typeof FunctionStatus];

/**
 * A deployable cloud function (table `functions`). Named `FunctionEntity` because `Function` is a global.
 * Soft-deletable and optimistically versioned. `activeDeploymentId` points back into
 * `function_deployments`, which itself references `functions`: a circular pair of foreign keys.
 */
@Entity({ name: "functions" })
@Unique("uq_functions_uuid", ["uuid"])
@Unique("uq_functions_user_name", ["userId", "name"])
@Index("idx_functions_status", ["status"])
@Index("idx_functions_created_at", ["createdAt"])
@Index("idx_functions_organization_id", ["organizationId"])
@Index("idx_functions_active_deployment_id", ["activeDeploymentId"])
export class FunctionEntity {
  @PrimaryGeneratedColumn("increment", { type: "integer", name: "id", primaryKeyConstraintName: "pk_functions" })
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "uuid", name: "uuid" })
  @Generated("uuid")
  @IsOptional()
  @IsUUID()
  uuid!: string;

  @Column({ type: "integer", name: "user_id" })
  @IsInt()
  @Min(1)
  userId!: number;

  @Column({ type: "integer", name: "organization_id", nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  organizationId!: number | null;

  @Column({ type: "varchar", name: "name", length: 100 })
  @IsString()
  @Length(1, 100)
  name!: string;

  @Column({
    type: "enum",
    name: "status",
    enum: Object.values(FunctionStatus),
    enumName: "function_status",
    default: FunctionStatus.Inactive,
  })
  @IsOptional()
  @IsIn(Object.values(FunctionStatus))
  status!: FunctionStatus;

  @Column({ type: "varchar", name: "runtime", length: 50, default: "dart" })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  runtime!: string;

  @Column({ type: "jsonb", name: "analysis_result", nullable: true })
  @IsOptional()
  @IsObject()
  analysisResult!: Record<string, unknown> | null;

  @Column({ type: "integer", name: "active_deployment_id", nullable: true })
  @IsOptional()
  @IsInt()
  @Min(1)
  activeDeploymentId!: number | null;

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

  @ManyToOne(() => User, (user) => user.functions, { onDelete: "CASCADE" })
  @JoinColumn({ name: "user_id", foreignKeyConstraintName: "fk_functions_user" })
  @IsOptional()
  user?: Relation<User>;

  @ManyToOne(() => Organization, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "organization_id", foreignKeyConstraintName: "fk_functions_organization" })
  @IsOptional()
  organization?: Relation<Organization> | null;

  @ManyToOne(() => FunctionDeployment, { onDelete: "SET NULL", nullable: true })
  @JoinColumn({ name: "active_deployment_id", foreignKeyConstraintName: "fk_functions_active_deployment" })
  @IsOptional()
  activeDeployment?: Relation<FunctionDeployment> | null;

  @OneToMany(() => FunctionDeployment, (deployment) => deployment.function)
  @IsOptional()
  deployments?: Relation<FunctionDeployment>[];

  @OneToMany(() => FunctionLog, (log) => log.function)
  @IsOptional()
  logs?: Relation<FunctionLog>[];

  @OneToMany(() => FunctionInvocation, (invocation) => invocation.function)
  @IsOptional()
  invocations?: Relation<FunctionInvocation>[];
}

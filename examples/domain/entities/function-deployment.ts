import {
  Column,
  CreateDateColumn,
  Entity,
  Generated,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from "typeorm";
import { IsBoolean, IsDate, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, MaxLength, Min } from "class-validator";
import { FunctionEntity } from "./function";

/** State of one deployment (PostgreSQL enum type `deployment_status`). */
export const DeploymentStatus = {
  Pending: "pending",
  Building: "building",
  Deployed: "deployed",
  Failed: "failed",
} as const;
export type DeploymentStatus = (typeof DeploymentStatus)[keyof typeof DeploymentStatus];

/** One numbered version of a function's container image. */
@Entity({ name: "function_deployments" })
@Unique("uq_function_deployments_uuid", ["uuid"])
@Unique("uq_function_deployments_function_version", ["functionId", "version"])
@Index("idx_function_deployments_function_active", ["functionId", "isActive"])
export class FunctionDeployment {
  @PrimaryGeneratedColumn("increment", { type: "integer", name: "id", primaryKeyConstraintName: "pk_function_deployments" })
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "uuid", name: "uuid" })
  @Generated("uuid")
  @IsOptional()
  @IsUUID()
  uuid!: string;

  @Column({ type: "integer", name: "function_id" })
  @IsInt()
  @Min(1)
  functionId!: number;

  /** The deployment's version number within its function (not an optimistic-lock column). */
  @Column({ type: "integer", name: "version" })
  @IsInt()
  @Min(1)
  version!: number;

  @Column({ type: "varchar", name: "image_tag", length: 255 })
  @IsString()
  @Length(1, 255)
  imageTag!: string;

  @Column({ type: "varchar", name: "s3_key", length: 500, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  s3Key!: string | null;

  @Column({
    type: "enum",
    name: "status",
    enum: Object.values(DeploymentStatus),
    enumName: "deployment_status",
    default: DeploymentStatus.Pending,
  })
  @IsOptional()
  @IsIn(Object.values(DeploymentStatus))
  status!: DeploymentStatus;

  @Column({ type: "boolean", name: "is_active", default: false })
  @IsOptional()
  @IsBoolean()
  isActive!: boolean;

  @Column({ type: "timestamptz", name: "deployed_at", nullable: true })
  @IsOptional()
  @IsDate()
  deployedAt!: Date | null;

  @CreateDateColumn({ type: "timestamptz", name: "created_at" })
  @IsOptional()
  @IsDate()
  createdAt!: Date;

  @ManyToOne(() => FunctionEntity, (fn) => fn.deployments, { onDelete: "CASCADE" })
  @JoinColumn({ name: "function_id", foreignKeyConstraintName: "fk_function_deployments_function" })
  @IsOptional()
  function?: Relation<FunctionEntity>;
}

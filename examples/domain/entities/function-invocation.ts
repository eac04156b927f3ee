import {
  Check,
  Column,
  Entity,
  Generated,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from "typeorm";
import { IsBoolean, IsDate, IsIn, IsInt, IsNumberString, IsOptional, IsString, IsUUID, Min } from "class-validator";
import { FunctionEntity } from "./function";

/** Outcome of an invocation (a `varchar(20)` guarded by CHECK `chk_function_invocations_status`). */
export const InvocationStatus = { Success: "success", Error: "error", Timeout: "timeout" } as const;
export type InvocationStatus = (typeof InvocationStatus)[keyof typeof InvocationStatus];

/** One call of a function, with its timing metrics. The primary key is a `bigserial`, read back as a string. */
@Entity({ name: "function_invocations" })
@Unique("uq_function_invocations_uuid", ["uuid"])
@Index("idx_function_invocations_function_invoked_at", ["functionId", "invokedAt"])
@Check("chk_function_invocations_status", `"status" IN ('success', 'error', 'timeout')`)
@Check("chk_function_invocations_duration_ms", `"duration_ms" >= 0`)
export class FunctionInvocation {
  @PrimaryGeneratedColumn("increment", { type: "bigint", name: "id", primaryKeyConstraintName: "pk_function_invocations" })
  @IsOptional()
  @IsNumberString({ no_symbols: true })
  id!: string;

  @Column({ type: "uuid", name: "uuid" })
  @Generated("uuid")
  @IsOptional()
  @IsUUID()
  uuid!: string;

  @Column({ type: "integer", name: "function_id" })
  @IsInt()
  @Min(1)
  functionId!: number;

  @Column({ type: "varchar", name: "status", length: 20 })
  @IsIn(Object.values(InvocationStatus))
  status!: InvocationStatus;

  @Column({ type: "integer", name: "duration_ms" })
  @IsInt()
  @Min(0)
  durationMs!: number;

  @Column({ type: "boolean", name: "cold_start", default: false })
  @IsOptional()
  @IsBoolean()
  coldStart!: boolean;

  @Column({ type: "integer", name: "request_size", nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  requestSize!: number | null;

  @Column({ type: "integer", name: "response_size", nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  responseSize!: number | null;

  @Column({ type: "text", name: "error", nullable: true })
  @IsOptional()
  @IsString()
  error!: string | null;

  @Column({ type: "timestamptz", name: "invoked_at", default: () => "now()" })
  @IsOptional()
  @IsDate()
  invokedAt!: Date;

  @ManyToOne(() => FunctionEntity, (fn) => fn.invocations, { onDelete: "CASCADE" })
  @JoinColumn({ name: "function_id", foreignKeyConstraintName: "fk_function_invocations_function" })
  @IsOptional()
  function?: Relation<FunctionEntity>;
}

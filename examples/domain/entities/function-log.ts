import {
  Check,
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
import { IsDate, IsIn, IsInt, IsNumberString, IsObject, IsOptional, IsString, IsUUID, Min } from "class-validator";
import { FunctionEntity } from "./function";

/** Severity of a log line (a `varchar(10)` guarded by CHECK `chk_function_logs_level`). */
export const LogLevel = { Debug: "debug", Info: "info", Warn: "warn", Error: "error" } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** One line of a function's output. The primary key is a `bigserial`, read back as a string. */
@Entity({ name: "function_logs" })
@Unique("uq_function_logs_uuid", ["uuid"])
@Index("idx_function_logs_function_created_at", ["functionId", "createdAt"])
@Check("chk_function_logs_level", `"level" IN ('debug', 'info', 'warn', 'error')`)
export class FunctionLog {
  @PrimaryGeneratedColumn("increment", { type: "bigint", name: "id", primaryKeyConstraintName: "pk_function_logs" })
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

  @Column({ type: "varchar", name: "level", length: 10 })
  @IsIn(Object.values(LogLevel))
  level!: LogLevel;

  @Column({ type: "text", name: "message" })
  @IsString()
  message!: string;

  @Column({ type: "jsonb", name: "metadata", nullable: true })
  @IsOptional()
  @IsObject()
  metadata!: Record<string, unknown> | null;

  @CreateDateColumn({ type: "timestamptz", name: "created_at" })
  @IsOptional()
  @IsDate()
  createdAt!: Date;

  @ManyToOne(() => FunctionEntity, (fn) => fn.logs, { onDelete: "CASCADE" })
  @JoinColumn({ name: "function_id", foreignKeyConstraintName: "fk_function_logs_function" })
  @IsOptional()
  function?: Relation<FunctionEntity>;
}

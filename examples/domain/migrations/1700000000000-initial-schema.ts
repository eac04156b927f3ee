import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Creates the whole example domain. Written by hand, and kept identical to what the entities describe
 * (`dataSource.driver.createSchemaBuilder().log()` must report nothing after it ran; see
 * test/domain/schema.test.ts). Needs PostgreSQL 13+ for the built-in `gen_random_uuid()`.
 *
 * `functions.active_deployment_id` and `function_deployments.function_id` reference each other, so the
 * foreign key from `functions` to `function_deployments` is added once both tables exist.
 */
export class InitialSchema1700000000000 implements MigrationInterface {
  name = "InitialSchema1700000000000";

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const sql of UP) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const sql of DOWN) await queryRunner.query(sql);
  }
}

const UP: readonly string[] = [
  `CREATE TYPE "user_role" AS ENUM ('user', 'admin')`,
  `CREATE TYPE "organization_member_role" AS ENUM ('owner', 'admin', 'member')`,
  `CREATE TYPE "function_status" AS ENUM ('active', 'inactive', 'building', 'failed')`,
  `CREATE TYPE "deployment_status" AS ENUM ('pending', 'building', 'deployed', 'failed')`,

  `CREATE TABLE "users" (
    "id" SERIAL NOT NULL,
    "uuid" uuid NOT NULL DEFAULT gen_random_uuid(),
    "email" varchar(255) NOT NULL,
    "password_hash" varchar(255),
    "role" "user_role" NOT NULL DEFAULT 'user',
    "is_active" boolean NOT NULL DEFAULT true,
    "created_at" timestamptz NOT NULL DEFAULT now(),
    "updated_at" timestamptz NOT NULL DEFAULT now(),
    "deleted_at" timestamptz,
    "version" integer NOT NULL DEFAULT 1,
    CONSTRAINT "pk_users" PRIMARY KEY ("id"),
    CONSTRAINT "uq_users_uuid" UNIQUE ("uuid"),
    CONSTRAINT "uq_users_email" UNIQUE ("email")
  )`,

  // The UNIQUE name is the one TypeORM's default naming strategy gives a one-to-one join column
  // (relationConstraintName("user_information", ["user_id"])); it cannot be chosen in the decorators.
  `CREATE TABLE "user_information" (
    "id" SERIAL NOT NULL,
    "user_id" integer NOT NULL,
    "first_name" varchar(100) NOT NULL,
    "last_name" varchar(100) NOT NULL,
    "country" varchar(100),
    "phone_number" varchar(20),
    "created_at" timestamptz NOT NULL DEFAULT now(),
    "updated_at" timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT "pk_user_information" PRIMARY KEY ("id"),
    CONSTRAINT "REL_31c0e55a2ced8c6bf6fbecd030" UNIQUE ("user_id"),
    CONSTRAINT "fk_user_information_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
  )`,

  `CREATE TABLE "organizations" (
    "id" SERIAL NOT NULL,
    "uuid" uuid NOT NULL DEFAULT gen_random_uuid(),
    "name" varchar(255) NOT NULL,
    "owner_id" integer NOT NULL,
    "created_at" timestamptz NOT NULL DEFAULT now(),
    "updated_at" timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT "pk_organizations" PRIMARY KEY ("id"),
    CONSTRAINT "uq_organizations_uuid" UNIQUE ("uuid"),
    CONSTRAINT "uq_organizations_name" UNIQUE ("name"),
    CONSTRAINT "fk_organizations_owner" FOREIGN KEY ("owner_id") REFERENCES "users" ("id") ON DELETE RESTRICT
  )`,
  `CREATE INDEX "idx_organizations_owner_id" ON "organizations" ("owner_id")`,

  `CREATE TABLE "organization_members" (
    "id" SERIAL NOT NULL,
    "organization_id" integer NOT NULL,
    "user_id" integer NOT NULL,
    "role" "organization_member_role" NOT NULL DEFAULT 'member',
    "joined_at" timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT "pk_organization_members" PRIMARY KEY ("id"),
    CONSTRAINT "uq_organization_members_organization_user" UNIQUE ("organization_id", "user_id"),
    CONSTRAINT "fk_organization_members_organization" FOREIGN KEY ("organization_id")
      REFERENCES "organizations" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_organization_members_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE
  )`,
  `CREATE INDEX "idx_organization_members_user_id" ON "organization_members" ("user_id")`,

  `CREATE TABLE "functions" (
    "id" SERIAL NOT NULL,
    "uuid" uuid NOT NULL DEFAULT gen_random_uuid(),
    "user_id" integer NOT NULL,
    "organization_id" integer,
    "name" varchar(100) NOT NULL,
    "status" "function_status" NOT NULL DEFAULT 'inactive',
    "runtime" varchar(50) NOT NULL DEFAULT 'dart',
    "analysis_result" jsonb,
    "active_deployment_id" integer,
    "created_at" timestamptz NOT NULL DEFAULT now(),
    "updated_at" timestamptz NOT NULL DEFAULT now(),
    "deleted_at" timestamptz,
    "version" integer NOT NULL DEFAULT 1,
    CONSTRAINT "pk_functions" PRIMARY KEY ("id"),
    CONSTRAINT "uq_functions_uuid" UNIQUE ("uuid"),
    CONSTRAINT "uq_functions_user_name" UNIQUE ("user_id", "name"),
    CONSTRAINT "fk_functions_user" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "fk_functions_organization" FOREIGN KEY ("organization_id")
      REFERENCES "organizations" ("id") ON DELETE SET NULL
  )`,
  `CREATE INDEX "idx_functions_status" ON "functions" ("status")`,
  `CREATE INDEX "idx_functions_created_at" ON "functions" ("created_at")`,
  `CREATE INDEX "idx_functions_organization_id" ON "functions" ("organization_id")`,
  `CREATE INDEX "idx_functions_active_deployment_id" ON "functions" ("active_deployment_id")`,

  `CREATE TABLE "function_deployments" (
    "id" SERIAL NOT NULL,
    "uuid" uuid NOT NULL DEFAULT gen_random_uuid(),
    "function_id" integer NOT NULL,
    "version" integer NOT NULL,
    "image_tag" varchar(255) NOT NULL,
    "s3_key" varchar(500),
    "status" "deployment_status" NOT NULL DEFAULT 'pending',
    "is_active" boolean NOT NULL DEFAULT false,
    "deployed_at" timestamptz,
    "created_at" timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT "pk_function_deployments" PRIMARY KEY ("id"),
    CONSTRAINT "uq_function_deployments_uuid" UNIQUE ("uuid"),
    CONSTRAINT "uq_function_deployments_function_version" UNIQUE ("function_id", "version"),
    CONSTRAINT "fk_function_deployments_function" FOREIGN KEY ("function_id")
      REFERENCES "functions" ("id") ON DELETE CASCADE
  )`,
  `CREATE INDEX "idx_function_deployments_function_active" ON "function_deployments" ("function_id", "is_active")`,
  `ALTER TABLE "functions" ADD CONSTRAINT "fk_functions_active_deployment" FOREIGN KEY ("active_deployment_id")
    REFERENCES "function_deployments" ("id") ON DELETE SET NULL`,

  `CREATE TABLE "function_logs" (
    "id" BIGSERIAL NOT NULL,
    "uuid" uuid NOT NULL DEFAULT gen_random_uuid(),
    "function_id" integer NOT NULL,
    "level" varchar(10) NOT NULL,
    "message" text NOT NULL,
    "metadata" jsonb,
    "created_at" timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT "pk_function_logs" PRIMARY KEY ("id"),
    CONSTRAINT "uq_function_logs_uuid" UNIQUE ("uuid"),
    CONSTRAINT "chk_function_logs_level" CHECK ("level" IN ('debug', 'info', 'warn', 'error')),
    CONSTRAINT "fk_function_logs_function" FOREIGN KEY ("function_id") REFERENCES "functions" ("id") ON DELETE CASCADE
  )`,
  `CREATE INDEX "idx_function_logs_function_created_at" ON "function_logs" ("function_id", "created_at")`,

  `CREATE TABLE "function_invocations" (
    "id" BIGSERIAL NOT NULL,
    "uuid" uuid NOT NULL DEFAULT gen_random_uuid(),
    "function_id" integer NOT NULL,
    "status" varchar(20) NOT NULL,
    "duration_ms" integer NOT NULL,
    "cold_start" boolean NOT NULL DEFAULT false,
    "request_size" integer,
    "response_size" integer,
    "error" text,
    "invoked_at" timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT "pk_function_invocations" PRIMARY KEY ("id"),
    CONSTRAINT "uq_function_invocations_uuid" UNIQUE ("uuid"),
    CONSTRAINT "chk_function_invocations_status" CHECK ("status" IN ('success', 'error', 'timeout')),
    CONSTRAINT "chk_function_invocations_duration_ms" CHECK ("duration_ms" >= 0),
    CONSTRAINT "fk_function_invocations_function" FOREIGN KEY ("function_id")
      REFERENCES "functions" ("id") ON DELETE CASCADE
  )`,
  `CREATE INDEX "idx_function_invocations_function_invoked_at" ON "function_invocations" ("function_id", "invoked_at")`,
];

const DOWN: readonly string[] = [
  `DROP TABLE "function_invocations"`,
  `DROP TABLE "function_logs"`,
  `ALTER TABLE "functions" DROP CONSTRAINT "fk_functions_active_deployment"`,
  `DROP TABLE "function_deployments"`,
  `DROP TABLE "functions"`,
  `DROP TABLE "organization_members"`,
  `DROP TABLE "organizations"`,
  `DROP TABLE "user_information"`,
  `DROP TABLE "users"`,
  `DROP TYPE "deployment_status"`,
  `DROP TYPE "function_status"`,
  `DROP TYPE "organization_member_role"`,
  `DROP TYPE "user_role"`,
];

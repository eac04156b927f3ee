import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * One account per email address whatever its case: `Ada@Acme.co` and `ada@acme.co` are the same
 * mailbox in practice. A unique index on `lower(email)` (declared on the entity with
 * `synchronize: false`, which TypeORM cannot describe); the address is stored as the user typed it.
 */
export class UsersEmailCaseInsensitive1700000000001 implements MigrationInterface {
  name = "UsersEmailCaseInsensitive1700000000001";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_users_email_lower" ON "users" (lower("email"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "uq_users_email_lower"`);
  }
}

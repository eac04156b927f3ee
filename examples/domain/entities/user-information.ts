import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  OneToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  type Relation,
} from "typeorm";
import { IsDate, IsInt, IsOptional, IsString, Length, MaxLength, Min } from "class-validator";
import { User } from "./user";

/**
 * Extended profile of a user (one row per user).
 *
 * The UNIQUE constraint on `user_id` is the one TypeORM derives from the one-to-one join column; its
 * name comes from the naming strategy (`REL_<hash>`) and cannot be set in the decorators.
 */
@Entity({ name: "user_information" })
export class UserInformation {
  @PrimaryGeneratedColumn("increment", { type: "integer", name: "id", primaryKeyConstraintName: "pk_user_information" })
  @IsOptional()
  @IsInt()
  id!: number;

  @Column({ type: "integer", name: "user_id" })
  @IsInt()
  @Min(1)
  userId!: number;

  @Column({ type: "varchar", name: "first_name", length: 100 })
  @IsString()
  @Length(1, 100)
  firstName!: string;

  @Column({ type: "varchar", name: "last_name", length: 100 })
  @IsString()
  @Length(1, 100)
  lastName!: string;

  @Column({ type: "varchar", name: "country", length: 100, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  country!: string | null;

  @Column({ type: "varchar", name: "phone_number", length: 20, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  phoneNumber!: string | null;

  @CreateDateColumn({ type: "timestamptz", name: "created_at" })
  @IsOptional()
  @IsDate()
  createdAt!: Date;

  @UpdateDateColumn({ type: "timestamptz", name: "updated_at" })
  @IsOptional()
  @IsDate()
  updatedAt!: Date;

  @OneToOne(() => User, (user) => user.information, { onDelete: "CASCADE" })
  @JoinColumn({ name: "user_id", foreignKeyConstraintName: "fk_user_information_user" })
  @IsOptional()
  user?: Relation<User>;
}

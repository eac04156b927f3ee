import { randomBytes, scrypt } from "node:crypto";
import { promisify } from "node:util";
import { injectable } from "tsyringe";
import { AsyncBaseRepository, InjectRepository, NotFoundError } from "../../src";
import { User, UserRole } from "../domain";
import { toUserDto, type UserDto } from "./dto";
import { RequestBody } from "./request-body";

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** Accounts. Resolved per request from the request's container; the repository follows its unit of work. */
@injectable()
export class UserService {
  constructor(@InjectRepository(User) private readonly users: AsyncBaseRepository<User>) {}

  /** `POST /users` body: `{ email, password?, role? }`. A taken email is a `UniqueViolationError` (409). */
  async create(body: unknown): Promise<UserDto> {
    const input = new RequestBody("CreateUserRequest", body);
    const email = input.string("email");
    const password = input.optionalString("password");
    const role = input.optionalString("role") as UserRole | undefined;
    const user = await this.users.create({
      email,
      role: role ?? UserRole.User,
      passwordHash: password === undefined ? null : await hashPassword(password),
    });
    return toUserDto(user);
  }

  async getByUuid(uuid: string): Promise<UserDto> {
    return toUserDto(await this.findByUuid(uuid));
  }

  /** The user with this public uuid; `NotFoundError` (404) if none, `InvalidQueryError` (400) for a malformed uuid. */
  async findByUuid(uuid: string): Promise<User> {
    const user = await this.users.findFirst({ where: { uuid } });
    if (!user) throw new NotFoundError("User", uuid);
    return user;
  }
}

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, 32);
  return `scrypt$${salt.toString("base64")}$${key.toString("base64")}`;
}

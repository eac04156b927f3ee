import { ValidationError } from "../../src";

/**
 * Reads a JSON request body field by field: anything that is not the expected shape is a
 * `ValidationError` (→ 400) naming the field, before any SQL runs.
 */
export class RequestBody {
  private readonly data: Record<string, unknown>;

  constructor(private readonly name: string, body: unknown) {
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new ValidationError(name, [{ property: "body", constraints: { isObject: "the request body must be a JSON object" } }]);
    }
    this.data = body as Record<string, unknown>;
  }

  string(key: string): string {
    const value = this.data[key];
    if (typeof value !== "string") this.fail(key, "isString", `${key} must be a string`);
    return value as string;
  }

  optionalString(key: string): string | undefined {
    return this.data[key] === undefined || this.data[key] === null ? undefined : this.string(key);
  }

  array(key: string, max: number): unknown[] {
    const value = this.data[key];
    if (!Array.isArray(value)) this.fail(key, "isArray", `${key} must be an array`);
    const array = value as unknown[];
    if (array.length === 0 || array.length > max) this.fail(key, "arrayLength", `${key} must hold 1 to ${max} items`);
    return array;
  }

  private fail(property: string, rule: string, message: string): never {
    throw new ValidationError(this.name, [{ property, constraints: { [rule]: message } }]);
  }
}

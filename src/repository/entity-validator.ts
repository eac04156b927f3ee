import { getMetadataStorage, validate, type ValidationError as ClassValidatorError } from "class-validator";
import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { ValidationError, type ValidationIssue } from "../errors";

/**
 * Whether the entity class carries any class-validator rule (its own or inherited). An entity with
 * none (a plain TypeORM entity, an `EntitySchema`) is written as it is. @internal
 */
export function hasValidationRules(metadata: EntityMetadata): boolean {
  const target = metadata.target;
  if (typeof target !== "function") return false;
  return getMetadataStorage().getTargetValidationMetadatas(target, "", true, false).length > 0;
}

/**
 * The class-validator issues of one input object. Only what the input gives is validated: the
 * object validated has the entity's prototype (so its rules apply) and the input's own keys, never
 * the properties a constructor or class fields would add (`useDefineForClassFields` makes every
 * declared field an own property). Properties the input leaves undefined are skipped. Unknown keys
 * are `writableInputIssues`' business, checked before. @internal
 */
export async function validationIssues(metadata: EntityMetadata, input: ObjectLiteral, mode: "create" | "update"): Promise<ValidationIssue[]> {
  const target = metadata.target as { prototype: object };
  const object = Object.create(target.prototype) as ObjectLiteral;
  // on update the version given is the one read (a precondition), not a value written
  const skipped = mode === "update" ? metadata.versionColumn?.propertyName : undefined;
  for (const key of Object.keys(input)) {
    if (input[key] !== undefined && key !== skipped) Object.defineProperty(object, key, { value: input[key], enumerable: true, writable: true, configurable: true });
  }
  const errors = await validate(object, {
    skipUndefinedProperties: true,
    forbidUnknownValues: false,
    validationError: { target: false },
  });
  return errors.map(toIssue);
}

/** Throws `ValidationError` when the input breaks a rule of the entity. @internal */
export async function assertValid(metadata: EntityMetadata, input: ObjectLiteral, mode: "create" | "update"): Promise<void> {
  if (!hasValidationRules(metadata)) return;
  const issues = await validationIssues(metadata, input, mode);
  if (issues.length) throw new ValidationError(metadata.name, issues);
}

function toIssue(error: ClassValidatorError): ValidationIssue {
  const issue: ValidationIssue = { property: error.property, value: error.value, constraints: { ...error.constraints } };
  if (error.children?.length) issue.children = error.children.map(toIssue);
  return issue;
}

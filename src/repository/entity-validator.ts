import { validate, type ValidationError as ClassValidatorError } from "class-validator";
import type { EntityMetadata, ObjectLiteral } from "typeorm";
import { ValidationError, type ValidationIssue } from "../errors";

/**
 * Validates an entity instance with its class-validator rules. `partial` skips properties the input
 * leaves out (an update patch). Unknown properties are an issue (`whitelist` + `forbidNonWhitelisted`).
 * @internal
 */
export async function validationIssues(entity: ObjectLiteral, partial: boolean): Promise<ValidationIssue[]> {
  const errors = await validate(entity, {
    skipMissingProperties: partial,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: false,
    validationError: { target: false },
  });
  return errors.map(toIssue);
}

/** Throws `ValidationError` when the instance breaks a rule. @internal */
export async function assertValid(metadata: EntityMetadata, entity: ObjectLiteral, partial: boolean): Promise<void> {
  const issues = await validationIssues(entity, partial);
  if (issues.length) throw new ValidationError(metadata.name, issues);
}

function toIssue(error: ClassValidatorError): ValidationIssue {
  const issue: ValidationIssue = { property: error.property, value: error.value, constraints: { ...error.constraints } };
  if (error.children?.length) issue.children = error.children.map(toIssue);
  return issue;
}

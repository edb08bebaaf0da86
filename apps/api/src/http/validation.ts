import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, ErrorDetail } from '@labgate/core';

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith(`property ${e.property} should not exist`)
        ? 'is not accepted here (unknown or server-owned field)'
        : message.replace(new RegExp(`^(each value in )?${escape(e.property)}\\s*`), (_m, each: string | undefined) => each ?? ''),
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Global validation (STYLE rule 3): unknown and server-owned fields are refused, bodies are
 * turned into DTO instances, and every violation is listed in the problem's `errors`.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      const summary = details.map((d) => `${d.field} ${d.message}`).join('; ');
      return new AppError('REQUEST.INVALID', `The request is invalid: ${summary}`, details);
    },
  });
}

import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, ErrorDetail } from '@labgate/core';
import { memoizeValidationMetadata } from './validation-metadata';

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
  memoizeValidationMetadata();
  return new QueryCachingValidationPipe({
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

/** How many validated query strings the pipe keeps per query class. */
const QUERY_CAPACITY = 256;

/**
 * The global pipe, remembering the query parameters it validated: the same query string (the
 * first page of a list, a report's usual filters) is asked over and over, and class-validator
 * spent a fifth of what a list page allocated on it. Only queries that passed are kept, keyed by
 * their query class and their exact parameters (what the validation's outcome depends on), the
 * oldest forgotten first; each caller gets a copy of its own. Bodies and path parameters go
 * through the pipe as before.
 */
export class QueryCachingValidationPipe extends ValidationPipe {
  private readonly validated = new Map<object, Map<string, object>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const type = metadata.metatype;
    if (metadata.type !== 'query' || type === undefined || typeof value !== 'object' || value === null) return super.transform(value, metadata);
    let cache = this.validated.get(type);
    if (cache === undefined) this.validated.set(type, (cache = new Map()));
    const key = JSON.stringify(value);
    let query = cache.get(key);
    if (query === undefined) {
      query = (await super.transform(value, metadata)) as object;
      if (cache.size >= QUERY_CAPACITY) cache.delete(cache.keys().next().value!);
      cache.set(key, query);
    }
    return Object.assign(Object.create(Object.getPrototypeOf(query) as object | null) as object, query);
  }
}

import { Injectable, PipeTransform, Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { AppError } from '@labgate/core';
import { isUuid } from '@labgate/domain';

/**
 * A required text must say something: at least one character that is not white space (a title of
 * three spaces, or a DPIA reference of one, would pass a length check and mean nothing).
 */
export const NotBlank = (): PropertyDecorator => Matches(/\S/, { message: '$property must not be blank' });

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20, description: 'Page size; values above 100 are capped at 100' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  limit?: number;

  @ApiPropertyOptional({ description: 'The nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

/** A path id that is not a UUID names nothing that exists: 404, like any other missing resource. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUuid(value)) throw new AppError('RESOURCE.NOT_FOUND', `Nothing exists with id ${JSON.stringify(value.slice(0, 64))}`);
    return value.toLowerCase();
  }
}

export const MAX_CENTS = Number.MAX_SAFE_INTEGER;

/** The `{items, nextCursor}` shape of every list, documented per item type. */
export function PageOf<T>(item: ClassType<T>) {
  class Page {
    @ApiProperty({ type: [item] }) items!: T[];
    @ApiProperty({ type: String, nullable: true, description: 'Pass as ?cursor= for the next page; null on the last' }) nextCursor!: string | null;
  }
  return Page;
}

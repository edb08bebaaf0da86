import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { AppError } from '@labgate/core';
import { createValidationPipe } from './validation';

class PageQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOptional()
  @IsIn(['proposal', 'funded'])
  stage?: string;
}

const query: ArgumentMetadata = { type: 'query', metatype: PageQuery };
const body: ArgumentMetadata = { type: 'body', metatype: PageQuery };

describe('the validation pipe, remembering validated queries', () => {
  let validations: jest.SpyInstance;
  beforeEach(() => {
    validations = jest.spyOn(ValidationPipe.prototype, 'transform');
  });
  afterEach(() => validations.mockRestore());

  it('validates a query string once, and gives each caller an instance of its own', async () => {
    const pipe = createValidationPipe();
    const first = (await pipe.transform({ limit: '20', stage: 'funded' }, query)) as PageQuery;
    const second = (await pipe.transform({ limit: '20', stage: 'funded' }, query)) as PageQuery;
    expect(first).toBeInstanceOf(PageQuery);
    expect(second).toBeInstanceOf(PageQuery);
    expect({ ...second }).toEqual({ limit: 20, stage: 'funded' });
    expect(second).not.toBe(first);
    second.limit = 99;
    expect(((await pipe.transform({ limit: '20', stage: 'funded' }, query)) as PageQuery).limit).toBe(20);
    expect(validations).toHaveBeenCalledTimes(1);
    // Other parameters are validated on their own.
    expect({ ...((await pipe.transform({ limit: '21' }, query)) as PageQuery) }).toEqual({ limit: 21 });
    expect(validations).toHaveBeenCalledTimes(2);
  });

  it('refuses a bad query every time it comes, and remembers nothing of it', async () => {
    const pipe = createValidationPipe();
    for (const bad of [{ limit: '0' }, { limit: '0' }, { stage: 'proposal', extra: 'x' }, { stage: 'abandoned' }]) {
      await expect(pipe.transform(bad, query)).rejects.toBeInstanceOf(AppError);
    }
    expect(validations).toHaveBeenCalledTimes(4);
  });

  it('validates bodies every time', async () => {
    const pipe = createValidationPipe();
    await pipe.transform({ limit: 20 }, body);
    await pipe.transform({ limit: 20 }, body);
    expect(validations).toHaveBeenCalledTimes(2);
  });

  it('keeps a bounded number of queries, the oldest forgotten first', async () => {
    const pipe = createValidationPipe();
    for (let limit = 1; limit <= 100; limit++) await pipe.transform({ limit: String(limit) }, query);
    for (let limit = 1; limit <= 100; limit++) await pipe.transform({ limit: String(limit), stage: 'proposal' }, query);
    for (let limit = 1; limit <= 100; limit++) await pipe.transform({ limit: String(limit), stage: 'funded' }, query);
    expect(validations).toHaveBeenCalledTimes(300);
    // 256 kept: the first 44 were forgotten, the rest are remembered.
    await pipe.transform({ limit: '45' }, query);
    expect(validations).toHaveBeenCalledTimes(300);
    await pipe.transform({ limit: '44' }, query);
    expect(validations).toHaveBeenCalledTimes(301);
  });
});

import 'reflect-metadata';
import { getMetadataStorage, IsInt, IsOptional, IsString, Length, Min, validate, ValidateNested, ValidationError } from 'class-validator';
import { Type } from 'class-transformer';
import { memoizeValidationMetadata } from './validation-metadata';

class Base {
  @IsString()
  @Length(1, 5)
  name!: string;

  @IsOptional()
  @IsInt({ groups: ['strict'] })
  level?: unknown;
}

class Part {
  @IsInt()
  @Min(1)
  size!: number;
}

class Child extends Base {
  @IsString()
  @Length(2, 3)
  override name!: string;

  @ValidateNested()
  @Type(() => Part)
  part!: Part;
}

const storage = getMetadataStorage();
const lookups: Array<Parameters<typeof storage.getTargetValidationMetadatas>> = [
  [Base, '', false, false, undefined],
  [Child, '', false, false, undefined],
  [Child, '', true, false, undefined],
  [Child, '', false, true, ['strict']],
  [Child, '', false, false, ['strict']],
  [Part, '', false, false, []],
];
const described = (errors: ValidationError[]): unknown =>
  errors.map((e) => ({ property: e.property, constraints: e.constraints, children: described(e.children ?? []) }));
const child = (name: string, size: number, level?: unknown) => Object.assign(new Child(), { name, part: Object.assign(new Part(), { size }), level });

describe('memoizeValidationMetadata', () => {
  it('answers every lookup as class-validator does, from its cache the second time', async () => {
    const before = lookups.map((args) => storage.getTargetValidationMetadatas(...args));
    const children = () => [child('ok', 2), child('too long', 0), child('x', 1, 'high')];
    const validateAll = () => Promise.all(children().flatMap((c) => [validate(c), validate(c, { groups: ['strict'] })]));
    const errorsBefore = await validateAll();
    memoizeValidationMetadata(storage);
    memoizeValidationMetadata(storage);
    const after = lookups.map((args) => storage.getTargetValidationMetadatas(...args));
    expect(after).toEqual(before);
    lookups.forEach((args, i) => expect(storage.getTargetValidationMetadatas(...args)).toBe(after[i]));
    expect(storage.groupByPropertyName(after[1]!)).toBe(storage.groupByPropertyName(after[1]!));
    const errorsAfter = await validateAll();
    expect(errorsAfter.map(described)).toEqual(errorsBefore.map(described));
    // Without groups (and without strictGroups) every rule applies, a group's included.
    expect([0, 2, 4].map((i) => errorsAfter[i]!.map((e) => e.property))).toEqual([[], ['name', 'part'], ['name', 'level']]);
  });

  it('drops its answers when a rule is registered afterwards', async () => {
    memoizeValidationMetadata(storage);
    const part = Object.assign(new Part(), { size: 3 });
    expect(await validate(part)).toEqual([]);
    // A rule added to Part once its lookups are cached.
    IsString()(Part.prototype, 'label');
    expect((await validate(part)).map((e) => e.property)).toEqual(['label']);
  });
});

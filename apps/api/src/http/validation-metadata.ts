import { getMetadataStorage } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Lookup = Storage['getTargetValidationMetadatas'];
type Metadatas = ReturnType<Lookup>;

const memoized = new WeakSet<Storage>();

/**
 * Makes class-validator's metadata lookups answer from a cache. For every object it validates
 * (a request body and each nested object in it), class-validator's
 * `getTargetValidationMetadatas` tests the object's class against every class that has
 * validation metadata (`instanceof`, to find inherited rules) and filters and groups the rules
 * anew (typestack/class-validator#2686, open): for a pilot proposal, 2.6 % of the API's busy CPU
 * (CPU profile under cost.js: 1.7 % the lookup, 0.9 % the grouping; the rules' own checks, 12 %,
 * remain).
 *
 * The answer depends only on the arguments and on the registered metadata, which decorators
 * register when their classes are defined, before anything is validated. It is kept per class
 * and argument tuple, and the whole cache is dropped whenever metadata is registered all the
 * same. The grouping by property of a cached answer is kept with it: the validator reads both
 * and changes neither.
 */
export function memoizeValidationMetadata(storage: Storage = getMetadataStorage()): void {
  if (memoized.has(storage)) return;
  memoized.add(storage);
  const lookUp: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const addValidationMetadata = storage.addValidationMetadata.bind(storage);
  let answers = new WeakMap<object, Map<string, Metadatas>>();
  /** The arrays the cache answered with: only those are stable enough to keep their grouping. */
  let answered = new WeakSet<Metadatas>();
  let grouped = new WeakMap<Metadatas, ReturnType<Storage['groupByPropertyName']>>();

  storage.addValidationMetadata = (metadata) => {
    answers = new WeakMap();
    answered = new WeakSet();
    grouped = new WeakMap();
    addValidationMetadata(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    let byArguments = answers.get(target);
    if (byArguments === undefined) answers.set(target, (byArguments = new Map()));
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups === undefined ? '' : JSON.stringify(groups)}`;
    let found = byArguments.get(key);
    if (found === undefined) {
      found = lookUp(target, schema, always, strictGroups, groups);
      byArguments.set(key, found);
      answered.add(found);
    }
    return found;
  };
  storage.groupByPropertyName = (metadatas) => {
    let found = grouped.get(metadatas);
    if (found === undefined) {
      found = group(metadatas);
      if (answered.has(metadatas)) grouped.set(metadatas, found);
    }
    return found;
  };
}

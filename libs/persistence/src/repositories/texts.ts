/**
 * The text `build` makes for `key`, made once and then kept in `cache`: statement texts (or parts)
 * of hot reads, whose keys name everything the text depends on, so a process holds a handful.
 */
export function textFor(cache: Map<string, string>, key: string, build: () => string): string {
  let text = cache.get(key);
  if (text === undefined) {
    text = build();
    cache.set(key, text);
  }
  return text;
}

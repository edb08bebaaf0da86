const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a string has the form of the UUIDs every entity is identified by (any case, with hyphens). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

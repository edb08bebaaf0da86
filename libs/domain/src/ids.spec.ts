import { isUuid } from './ids';

describe('isUuid', () => {
  it('accepts a UUID in either case and refuses anything else', () => {
    expect(isUuid('0ee0a10a-5fb2-47c5-bd84-db9adfd79650')).toBe(true);
    expect(isUuid('0EE0A10A-5FB2-47C5-BD84-DB9ADFD79650')).toBe(true);
    for (const bad of ['', 'not-a-uuid', '0ee0a10a5fb247c5bd84db9adfd79650', '0ee0a10a-5fb2-47c5-bd84-db9adfd7965', ' 0ee0a10a-5fb2-47c5-bd84-db9adfd79650', '0ee0a10a-5fb2-47c5-bd84-db9adfd79650\n', '0ee0a10g-5fb2-47c5-bd84-db9adfd79650']) {
      expect(isUuid(bad)).toBe(false);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { versionsOverCap } from './workflow-versions.ts';

describe('versionsOverCap', () => {
  const newestFirst = [9, 8, 7, 6, 5, 4, 3, 2, 1];
  it('keeps the newest N and deletes the rest', () => {
    expect(versionsOverCap(newestFirst, 3, new Set(), 9)).toEqual([6, 5, 4, 3, 2, 1]);
  });
  it('spares older versions an execution references, beyond the N', () => {
    expect(versionsOverCap(newestFirst, 3, new Set([2, 5, 8]), 9)).toEqual([6, 4, 3, 1]);
  });
  it('never deletes the current version, even past the cap (gaps from earlier pruning)', () => {
    expect(versionsOverCap([9, 4, 1], 1, new Set(), 9)).toEqual([4, 1]);
  });
  it('deletes nothing while there are no more than N', () => {
    expect(versionsOverCap([2, 1], 5, new Set(), 2)).toEqual([]);
  });
});

/**
 * What every slice of the editor store gets: the store's own set/get (slices read and write the
 * whole state), and the two actions every document change goes through, so they live once:
 * `commit` records an undo point (history.ts), `touched` marks the draft changed and schedules the
 * whole-graph check (validation.ts).
 */
import type { StoreApi } from 'zustand';
import type { EditorState } from '../store.ts';

export type SliceContext = {
  set: StoreApi<EditorState>['setState'];
  get: () => EditorState;
  /** Records an undo point; repeated edits with the same key in quick succession share one. */
  commit(key?: string): void;
  /** Marks the document changed (a new revision) and schedules the whole-graph check. */
  touched(): void;
};

/**
 * The one editor store (zustand), composed of slices (slices/): the draft's graph and selection,
 * undo/redo history, the clipboard, validation issues (local and server), the latest run's
 * per-node results, and a past execution viewed read-only in place of the draft. Server data
 * other than the open draft lives in the pages, fetched through api/client.ts.
 */
import { create } from 'zustand';
import { clipboardSlice, type ClipboardSlice } from './slices/clipboard.ts';
import type { SliceContext } from './slices/context.ts';
import { graphSlice, type GraphSlice } from './slices/graph.ts';
import { createHistory, historySlice, type HistorySlice } from './slices/history.ts';
import { replaySlice, type ReplaySlice } from './slices/replay.ts';
import { runSlice, type RunSlice } from './slices/run.ts';
import { createTouched, validationSlice, type ValidationSlice } from './slices/validation.ts';

export type { NodeIssue } from './node-issues.ts';
export type { RunState } from './slices/run.ts';
export { selectShownRun } from './slices/run.ts';
export { isReadOnly, type ReplayInfo } from './slices/replay.ts';

export type EditorState = GraphSlice & HistorySlice & ClipboardSlice & ValidationSlice & RunSlice & ReplaySlice;

export const useEditorStore = create<EditorState>()((set, get) => {
  const history = createHistory({ set, get });
  const c: SliceContext = { set, get, commit: history.commit, touched: createTouched({ set, get }) };
  return {
    ...graphSlice(c, history.reset),
    ...historySlice(c, history.reset),
    ...clipboardSlice(c),
    ...validationSlice(c),
    ...runSlice(c),
    ...replaySlice(c),
  };
});

/** True when the draft differs from what was last saved. */
export const selectIsDirty = (s: EditorState) => s.revision !== s.savedRevision;

/** Toasts: a small store the whole app writes to and one <Toaster> renders. */
import { create } from 'zustand';

export type ToastKind = 'success' | 'error' | 'info';
/** `action`: one button on the toast (e.g. "Save as draft and deactivate"); it closes the toast. */
export type ToastAction = { label: string; run(): void };
export type Toast = { id: number; kind: ToastKind; message: string; detail?: string; action?: ToastAction };

type ToastState = { toasts: Toast[]; dismiss(id: number): void };

let nextId = 1;
export const useToasts = create<ToastState>()((set) => ({
  toasts: [],
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

export function toast(kind: ToastKind, message: string, detail?: string, action?: ToastAction): void {
  const id = nextId++;
  const entry: Toast = { id, kind, message, ...(detail === undefined ? {} : { detail }), ...(action ? { action } : {}) };
  useToasts.setState((s) => ({ toasts: [...s.toasts.slice(-4), entry] }));
  // One with a choice in it stays long enough to be read and taken.
  setTimeout(() => useToasts.getState().dismiss(id), action ? 30_000 : kind === 'error' ? 8000 : 4000);
}

/** Toasts: a small store the whole app writes to and one <Toaster> renders. */
import { create } from 'zustand';

export type ToastKind = 'success' | 'error' | 'info';
export type Toast = { id: number; kind: ToastKind; message: string; detail?: string };

type ToastState = { toasts: Toast[]; dismiss(id: number): void };

let nextId = 1;
export const useToasts = create<ToastState>()((set) => ({
  toasts: [],
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

export function toast(kind: ToastKind, message: string, detail?: string): void {
  const id = nextId++;
  const entry: Toast = detail === undefined ? { id, kind, message } : { id, kind, message, detail };
  useToasts.setState((s) => ({ toasts: [...s.toasts.slice(-4), entry] }));
  setTimeout(() => useToasts.getState().dismiss(id), kind === 'error' ? 8000 : 4000);
}

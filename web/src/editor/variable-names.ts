/** The workspace's variables (names, and plain values; a secret one's never reaches the browser) for the data picker and expression help; loaded once, refreshed after a change. */
import { create } from 'zustand';
import { api, errorMessage } from '../api/client.ts';

type State = { items: { name: string; secret: boolean; value?: string }[] | null; error: string | null; load(force?: boolean): Promise<void> };

export const useVariableNames = create<State>()((set, get) => ({
  items: null,
  error: null,
  async load(force = false) {
    if (get().items && !force) return;
    try {
      const r = await api.variables.list();
      set({ items: r.items.map((v) => (v.secret ? { name: v.name, secret: true } : { name: v.name, secret: false, value: v.value })), error: null });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
}));

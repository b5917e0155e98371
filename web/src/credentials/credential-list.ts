/** A cached list of credentials for pickers in the editor; refreshed after a create. */
import { create } from 'zustand';
import { api, errorMessage, type CredentialSummary } from '../api/client.ts';

type State = { items: CredentialSummary[] | null; error: string | null; load(force?: boolean): Promise<void> };

export const useCredentialList = create<State>()((set, get) => ({
  items: null,
  error: null,
  async load(force = false) {
    if (get().items && !force) return;
    try {
      const r = await api.credentials.list();
      set({ items: r.items, error: null });
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },
}));

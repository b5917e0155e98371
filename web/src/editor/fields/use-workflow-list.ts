/** The server's workflows (first 200 by last change), for the widgets that pick one or several. */
import { useEffect, useState } from 'react';
import { api, type WorkflowListItem } from '../../api/client.ts';

export function useWorkflowList(): { items: WorkflowListItem[] | null; error: string | null } {
  const [items, setItems] = useState<WorkflowListItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.workflows
      .list({ limit: 200 })
      .then((page) => live && setItems(page.items))
      .catch((err: unknown) => live && setError(err instanceof Error ? err.message : String(err)));
    return () => {
      live = false;
    };
  }, []);
  return { items, error };
}

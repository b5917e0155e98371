/** A few line icons as inline SVG, so they render the same without emoji fonts. */
import type { ReactElement } from 'react';

const PATHS = {
  workflows: 'M5 6h4v4H5zM15 14h4v4h-4zM9 8h3a2 2 0 0 1 2 2v4a2 2 0 0 0 2 2',
  executions: 'M4 6h16M4 12h16M4 18h10',
  key: 'M14.5 9.5a3.5 3.5 0 1 1-7 0 3.5 3.5 0 0 1 7 0zM13.5 12l6 6M17 15.5l2-2M15.5 14l1.5-1.5',
  mail: 'M4 6h16v12H4zM4 7l8 6 8-6',
  apiKey: 'M8 8l-4 4 4 4M16 8l4 4-4 4M13.5 6l-3 12',
  variable: 'M9 4C7 4 7 5.5 7 8s-1 4-3 4c2 0 3 1.5 3 4s0 4 2 4M15 4c2 0 2 1.5 2 4s1 4 3 4c-2 0-3 1.5-3 4s0 4-2 4',
  audit: 'M9 4h6v3H9zM7 5.5H5V21h14V5.5h-2M8.5 13l2.5 2.5 4.5-5',
  trash: 'M5 7h14M10 7V5h4v2M7 7l1 12h8l1-12M10 11v5M14 11v5',
  copy: 'M9 9h10v10H9zM5 15V5h10',
  back: 'M15 6l-6 6 6 6',
  undo: 'M9 7L5 11l4 4M5 11h9a5 5 0 0 1 0 10h-2',
  redo: 'M15 7l4 4-4 4M19 11h-9a5 5 0 0 0 0 10h2',
  layout: 'M4 5h6v5H4zM14 14h6v5h-6zM14 5h6v5h-6zM10 7.5h4M17 10v4',
  fit: 'M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5',
  close: 'M6 6l12 12M18 6L6 18',
  history: 'M3.5 12a8.5 8.5 0 1 0 2.5-6M3.5 4v4h4M12 7.5V12l3 2',
  settings: 'M4 7h10M18 7h2M4 17h2M10 17h10M14 5v4h4V5zM6 15v4h4v-4z',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 16 }: { name: IconName; size?: number }): ReactElement {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} />
    </svg>
  );
}

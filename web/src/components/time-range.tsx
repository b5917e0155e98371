/** The From / To pair of a filter bar: `datetime-local` inputs in the browser's zone (pages/audit-words.ts converts). */
type Change = (e: { target: { value: string } }) => void;

export function TimeRangeFields({ from, to, onFrom, onTo }: { from: string; to: string; onFrom: Change; onTo: Change }) {
  return (
    <>
      <label className="filter">
        <span>From</span>
        <input className="input" type="datetime-local" value={from} onChange={onFrom} />
      </label>
      <label className="filter">
        <span>To</span>
        <input className="input" type="datetime-local" value={to} onChange={onTo} />
      </label>
    </>
  );
}

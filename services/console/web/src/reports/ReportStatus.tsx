// A status as the Reports pages show it: the sheet's letter on the status's colour, and its
// name (colour is never the only cue, and the letters are the monthly sheet's everywhere in
// the section).

import { SHEET_LETTERS, isSheetStatus, sheetStatusLabel, statusClass } from "./sheet";

export function ReportStatus({ status, label }: { status: string; label?: string }) {
  const letter = isSheetStatus(status) ? SHEET_LETTERS[status] : "?";
  return (
    <span className="report-status">
      <span className={`sheet-letter sheet-letter--${statusClass(status)}`} aria-hidden="true">
        {letter === "" ? "\u00a0" : letter}
      </span>
      {label ?? sheetStatusLabel(status)}
    </span>
  );
}

// Previous/next and the page size under a server-paginated list, as People has them.

import { SelectField } from "../components/Field";
import { PAGE_SIZES, type PageSize } from "../lib/pagination";

interface Props {
  /** What the pages are of, for the navigation's name: "Pages of records". */
  label: string;
  page: number;
  pages: number;
  pageSize: PageSize;
  idPrefix: string;
  onPage: (page: number) => void;
  onPageSize: (size: PageSize) => void;
}

export function Pager({ label, page, pages, pageSize, idPrefix, onPage, onPageSize }: Props) {
  return (
    <nav className="pager" aria-label={label}>
      <div className="pager__buttons">
        <button type="button" className="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>
          Previous{" "}<span className="visually-hidden">page</span>
        </button>
        <span>
          Page {page.toLocaleString()} of {pages.toLocaleString()}
        </span>
        <button type="button" className="button" onClick={() => onPage(page + 1)} disabled={page >= pages}>
          Next{" "}<span className="visually-hidden">page</span>
        </button>
      </div>
      <SelectField<string>
        id={`${idPrefix}-page-size`}
        label="Per page"
        value={String(pageSize)}
        onChange={(v) => onPageSize(PAGE_SIZES.find((s) => String(s) === v) ?? pageSize)}
        options={PAGE_SIZES.map((s) => ({ value: String(s), label: String(s) }))}
      />
    </nav>
  );
}

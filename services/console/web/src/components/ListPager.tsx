// Previous/next through the pages of a list (the People page's pager, for lists whose page
// size is fixed).

interface Props {
  /** What the pages are of, for the navigation's name: "Pages of shifts". */
  label: string;
  page: number;
  pages: number;
  onPage: (page: number) => void;
}

export function ListPager({ label, page, pages, onPage }: Props) {
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={label}>
      <div className="pager__buttons">
        <button type="button" className="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>
          Previous<span className="visually-hidden"> page</span>
        </button>
        <span>
          Page {page.toLocaleString()} of {pages.toLocaleString()}
        </span>
        <button type="button" className="button" onClick={() => onPage(page + 1)} disabled={page >= pages}>
          Next<span className="visually-hidden"> page</span>
        </button>
      </div>
    </nav>
  );
}

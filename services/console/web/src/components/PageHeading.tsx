import { useEffect, useRef, type ReactNode } from "react";

let firstPage = true;

/**
 * A page's h1: it names the document, and after a navigation it takes the focus, so a screen
 * reader announces the new page and the keyboard starts from its top.
 */
export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · faceattend`;
    if (firstPage) {
      firstPage = false;
      return;
    }
    ref.current?.focus({ preventScroll: false });
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1} className="page-heading">
      {children ?? title}
    </h1>
  );
}

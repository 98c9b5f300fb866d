// The Review page: the queue of uncertain matches decided on evidence (src/review/ReviewQueue)
// and the unknown faces a repeat visitor can be enrolled from (src/review/UnknownFaces), as two
// views of one page (`?view=unknown`), so a link or a reload shows the same one.

import { Link, useSearchParams } from "react-router";
import { PageHeading } from "../components/PageHeading";
import { ReviewQueue } from "../review/ReviewQueue";
import { UnknownFaces } from "../review/UnknownFaces";
import "../styles/review.css";

export default function ReviewPage() {
  const [params] = useSearchParams();
  const view = params.get("view") === "unknown" ? "unknown" : "queue";
  return (
    <section className="page review-page">
      <PageHeading title={view === "queue" ? "Review" : "Review: unknown faces"}>Review</PageHeading>
      <nav className="review-tabs" aria-label="Review">
        <ul>
          <li>
            <Link to="/review" aria-current={view === "queue" ? "page" : undefined}>
              Uncertain matches
            </Link>
          </li>
          <li>
            <Link to="/review?view=unknown" aria-current={view === "unknown" ? "page" : undefined}>
              Unknown faces
            </Link>
          </li>
        </ul>
      </nav>
      {view === "queue" ? <ReviewQueue /> : <UnknownFaces />}
    </section>
  );
}

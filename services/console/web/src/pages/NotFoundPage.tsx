import { Link, useLocation } from "react-router";
import { PageHeading } from "../components/PageHeading";

export default function NotFoundPage() {
  const location = useLocation();
  return (
    <section className="page page--narrow">
      <PageHeading title="Page not found" />
      <p>
        There is no page at <code>{location.pathname}</code>. It may have moved, or the link may be
        mistyped.
      </p>
      <p>
        <Link to="/today">Go to Today</Link> or <Link to="/people">the People directory</Link>.
      </p>
    </section>
  );
}

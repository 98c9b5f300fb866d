import { PageHeading } from "../components/PageHeading";

export default function TodayPage() {
  return (
    <section className="page">
      <PageHeading title="Today" />
      <p>Today's attendance comes here.</p>
    </section>
  );
}

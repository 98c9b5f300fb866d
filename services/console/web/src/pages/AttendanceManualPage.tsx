// Manual entries: a check-in or check-out made by hand (reception, HR, admins) and the queue
// of records waiting for approval, which HR approves or rejects with one click.

import { useSession } from "../auth/session";
import { AttendanceNav } from "../attendance/AttendanceNav";
import { canDecide, canMakeManualEntries } from "../attendance/api";
import { ManualEntryPanel } from "../attendance/ManualEntryPanel";
import { PendingQueue } from "../attendance/PendingQueue";
import { PageHeading } from "../components/PageHeading";

export default function AttendanceManualPage() {
  const session = useSession().data;
  return (
    <section className="page">
      <PageHeading title="Manual entries" />
      <AttendanceNav />
      {canMakeManualEntries(session) ? <ManualEntryPanel /> : null}
      <PendingQueue canDecide={canDecide(session)} />
    </section>
  );
}

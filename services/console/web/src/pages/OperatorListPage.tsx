// Every operator of the console, in order of creation: role, whether they can sign in, when
// they last did; each links to the page where an admin changes them.

import { useQuery } from "@tanstack/react-query";
import { Link, useLocation } from "react-router";
import { roleLabel, useSignedIn } from "../auth/session";
import { ErrorMessage } from "../components/ErrorSummary";
import { PageHeading } from "../components/PageHeading";
import { describeRefusal } from "../lib/refusal";
import { operatorsQuery } from "../operators/api";
import { formatDate } from "../people/api";

export default function OperatorListPage() {
  const session = useSignedIn();
  const operators = useQuery(operatorsQuery());
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const list = operators.data ?? [];
  const disabled = list.filter((o) => o.disabled).length;
  const summary =
    operators.data === undefined
      ? ""
      : `${list.length.toLocaleString()} ${list.length === 1 ? "operator" : "operators"}${disabled > 0 ? `, ${disabled} disabled` : ""}, oldest first`;
  return (
    <section className="page">
      <div className="page__header">
        <PageHeading title="Operators" />
        <Link to="/operators/new" className="button button--primary">
          Add an operator
        </Link>
      </div>
      <p className="page__lead">The people who sign in to this console. Their role decides what they can see and change.</p>
      {notice !== undefined ? (
        <p className="banner banner--success" role="status">
          {notice}
        </p>
      ) : null}
      {operators.isError ? (
        <ErrorMessage onRetry={() => void operators.refetch()}>The operators could not be loaded: {describeRefusal(operators.error)}</ErrorMessage>
      ) : null}
      {operators.isPending && !operators.isError ? (
        <p className="loading" role="status">
          Loading operators…
        </p>
      ) : null}
      {operators.data !== undefined ? (
        <div className="table-wrap">
          <table className="table table--cards">
            <caption>{summary}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Last signed in</th>
                <th scope="col">Added</th>
              </tr>
            </thead>
            <tbody>
              {list.map((operator) => (
                <tr key={operator.id}>
                  <td data-label="Name">
                    <div>
                      <Link to={`/operators/${operator.id}`}>{operator.display_name}</Link>
                      {operator.id === session.operator.id ? <span className="cell-note">You</span> : null}
                    </div>
                  </td>
                  <td data-label="Email" className="cell-text">
                    {operator.email}
                  </td>
                  <td data-label="Role">{roleLabel(operator.role)}</td>
                  <td data-label="Status">
                    {operator.disabled ? <span className="badge badge--inactive">Disabled</span> : <span className="badge badge--active">Can sign in</span>}
                  </td>
                  <td data-label="Last signed in">{operator.last_sign_in_at === null || operator.last_sign_in_at === undefined ? "Never" : formatDate(operator.last_sign_in_at)}</td>
                  <td data-label="Added">{formatDate(operator.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

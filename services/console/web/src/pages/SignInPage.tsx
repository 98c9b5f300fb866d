import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Navigate, useLocation, useNavigate, useSearchParams } from "react-router";
import { ApiError, call, consoleApi } from "../api/client";
import { SESSION_KEY, useSession } from "../auth/session";
import { SIGNED_OUT, takeSessionEnded } from "../auth/sessionEnd";
import { ErrorSummary } from "../components/ErrorSummary";
import { TextField } from "../components/Field";
import { PageHeading } from "../components/PageHeading";
import { describeError } from "../lib/errors";
import { emptyErrors, mapFieldErrors, type FormErrors } from "../lib/formErrors";
import { safeNext } from "../lib/safeNext";
import { useCountdown } from "../lib/useCountdown";

const FIELDS = ["email", "password"] as const;
type SignInField = (typeof FIELDS)[number];
const LABELS: Record<SignInField, string> = { email: "Email", password: "Password" };

export default function SignInPage() {
  const [params] = useSearchParams();
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const session = useSession();
  const next = safeNext(params.get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<FormErrors<SignInField>>(emptyErrors);
  const [retryAt, setRetryAt] = useState<number>();
  const [waitedFor, setWaitedFor] = useState<number>();
  const wait = useCountdown(retryAt);
  const [notice] = useState(() => {
    const state = location.state as { signedOut?: boolean } | null;
    const reason = takeSessionEnded();
    if (state?.signedOut === true || reason === SIGNED_OUT) return "You have signed out.";
    return reason !== undefined ? "Your session has ended. Sign in again to go on." : undefined;
  });

  const signIn = useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      call(consoleApi.POST("/console/api/v1/session", { body })),
    onSuccess: (envelope) => {
      queryClient.setQueryData(SESSION_KEY, envelope.data);
      void navigate(next, { replace: true });
    },
    onError: (error) => {
      setPassword("");
      if (error instanceof ApiError && error.status === 401) {
        setErrors({ fields: {}, form: ["The email or password is not right."] });
      } else if (error instanceof ApiError && error.status === 429) {
        const seconds = error.retryAfter ?? 30;
        setRetryAt(Date.now() + seconds * 1000);
        setWaitedFor(seconds);
        setErrors(emptyErrors());
      } else if (error instanceof ApiError && (error.status === 422 || error.status === 400)) {
        setErrors(mapFieldErrors(error, FIELDS));
      } else {
        setErrors({ fields: {}, form: [describeError(error)] });
      }
    },
  });

  if (session.data !== undefined && session.data !== null && !signIn.isPending && !signIn.isSuccess) {
    return <Navigate to={next} replace />;
  }

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (wait > 0 || signIn.isPending) return;
    setErrors(emptyErrors());
    signIn.mutate({ email: email.trim(), password });
  };

  const throttled = wait > 0;
  const invalidFields = FIELDS.filter((f) => (errors.fields[f]?.length ?? 0) > 0).map((f) => ({
    id: f,
    label: LABELS[f],
  }));

  return (
    <main id="main" className="sign-in" tabIndex={-1}>
      <div className="sign-in__card">
        <p className="brand sign-in__brand">
          faceattend <span className="brand__sub">console</span>
        </p>
        <PageHeading title="Sign in" />
        {notice !== undefined ? (
          <p className="banner banner--info" role="status">
            {notice}
          </p>
        ) : null}
        <ErrorSummary title="You are not signed in" messages={errors.form} fields={invalidFields} />
        {throttled ? (
          <div className="error-summary" role="alert">
            <h2>Too many sign-in attempts</h2>
            <p>
              <span aria-hidden="true">Try again in {wait} s.</span>
              <span className="visually-hidden">Try again in {waitedFor} seconds.</span>
            </p>
          </div>
        ) : null}
        <form onSubmit={submit} noValidate>
          <TextField
            id="email"
            label={LABELS.email}
            type="email"
            autoComplete="username"
            inputMode="email"
            value={email}
            onChange={setEmail}
            errors={errors.fields.email}
            maxLength={254}
            required
            autoFocus
          />
          <TextField
            id="password"
            label={LABELS.password}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={setPassword}
            errors={errors.fields.password}
            maxLength={1024}
            required
          />
          <button type="submit" className="button button--primary button--wide" disabled={signIn.isPending || throttled}>
            {signIn.isPending ? "Signing in…" : throttled ? `Try again in ${wait} s` : "Sign in"}
          </button>
        </form>
      </div>
    </main>
  );
}
